import type { AgentProcess } from '../helpers/agent'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { startAgentProcess } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { repoRoot } from '../helpers/paths'

interface Step { name?: string, run?: string }

/**
 * The deploy workflow `lambda init` writes, its Deploy and Summary steps run as the runner runs them
 * (bash, the step's script, the secrets as env) against a real agent; mini-lambda "installed" in the
 * project as npm would, from this repository.
 */
describe('the project\'s deploy workflow', () => {
  let agent: AgentProcess
  let dir: string
  let steps: Step[]

  beforeAll(async () => {
    agent = await startAgentProcess({ provider: 'process' })
    dir = mkdtempSync(join(tmpdir(), 'lambda-workflow-'))
    const init = await runCli(['init'], { cwd: dir })
    expect(init.code, init.output).toBe(0)
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true })
    symlinkSync(repoRoot, join(dir, 'node_modules/mini-lambda'))
    symlinkSync('../mini-lambda/bin/lambda.mjs', join(dir, 'node_modules/.bin/lambda'))
    steps = parse(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8')).jobs.deploy.steps
  })
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  function runStep(name: string, runnerTemp: string, summary: string) {
    const script = steps.find(step => step.name === name)?.run
    expect(script, name).toBeTruthy()
    // Expressions are the runner's to fill in: these steps take everything through env instead.
    expect(script).not.toContain('${{')
    const env: NodeJS.ProcessEnv = { ...process.env, ...agent.env, RUNNER_TEMP: runnerTemp, GITHUB_STEP_SUMMARY: summary, DEPLOY_JSON: join(runnerTemp, 'deploy.json') }
    for (const key of Object.keys(env)) {
      if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TEST') delete env[key]
    }
    return spawnSync('bash', ['-e', '-c', script!], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 })
  }

  it('deploys with LAMBDA_HOST / LAMBDA_API_KEY and writes each function\'s URL into the job summary', async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'lambda-runner-'))
    const summary = join(runnerTemp, 'summary.md')
    try {
      // Install needs the registry; the steps after it run as on the runner.
      for (const name of ['Build', 'Test']) {
        const ran = runStep(name, runnerTemp, summary)
        expect(ran.status, `${name}: ${ran.stderr}`).toBe(0)
      }
      expect(existsSync(join(dir, '.lambda/build/hello'))).toBe(true)
      const deploy = runStep('Deploy', runnerTemp, summary)
      expect(deploy.status, deploy.stderr).toBe(0)
      const result = JSON.parse(readFileSync(join(runnerTemp, 'deploy.json'), 'utf8'))
      expect(result.functions[0]).toMatchObject({ name: 'hello', status: 'built', version: 1 })

      const written = runStep('Summary', runnerTemp, summary)
      expect(written.status, written.stderr).toBe(0)
      const text = readFileSync(summary, 'utf8')
      expect(text).toContain('## Deploy')
      expect(text).toContain(`| hello | built | 1 | ${result.functions[0].url} |`)
      expect(text).toContain(`release #${result.release.id}`)
      // The URL in the summary is the one that answers.
      const res = await agent.call('hello', '/?name=CI')
      expect(res.json()).toMatchObject({ message: 'Hello, CI!' })
    }
    finally {
      rmSync(runnerTemp, { recursive: true, force: true })
    }
  })

  it('fails the job on a failed deploy, and the summary says why', () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'lambda-runner-'))
    const summary = join(runnerTemp, 'summary.md')
    mkdirSync(join(dir, 'functions/broken'), { recursive: true })
    writeFileSync(join(dir, 'functions/broken/index.ts'), 'export default (request: Request => {\n')
    try {
      const deploy = runStep('Deploy', runnerTemp, summary)
      expect(deploy.status).not.toBe(0)
      const written = runStep('Summary', runnerTemp, summary)
      expect(written.status, written.stderr).toBe(0)
      const text = readFileSync(summary, 'utf8')
      expect(text).toContain('**DEPLOY_FAILED**')
      expect(text).toMatch(/\| broken \| failed: /)
      expect(text).toMatch(/\| hello \| unchanged \| 1 \| http:\/\/hello\./)
    }
    finally {
      rmSync(join(dir, 'functions/broken'), { recursive: true, force: true })
      rmSync(runnerTemp, { recursive: true, force: true })
    }
  })
})
