import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'

// Scripts (CI, provisioning) read these results; shapes in docs/cli.md.
describe('--json on the commands that change settings and keys', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject())
  const home = mkdtempSync(join(tmpdir(), 'lambda-settings-'))
  const env = { XDG_CONFIG_HOME: home, LAMBDA_HOST: '', LAMBDA_API_KEY: '' }
  afterAll(() => rmSync(home, { recursive: true, force: true }))

  it('config set-host --json: the saved host and what answers there, one document on stdout', async () => {
    const host = `http://127.0.0.1:${suite.agent.port}`
    const reached = await runCli(['config', 'set-host', `127.0.0.1:${suite.agent.port}/_lambda`, '--json'], { env })
    expect(reached.code, reached.output).toBe(0)
    expect(JSON.parse(reached.stdout)).toEqual({
      host,
      context: 'default',
      settingsFile: join(home, 'mini-lambda', 'settings.json'),
      answers: 'agent',
      agent: { version: expect.any(String), provider: 'process', domain: 'localhost' },
      problem: null,
      overriddenBy: null,
    })

    const nobody = await runCli(['config', 'set-host', `http://127.0.0.1:${await freePort()}`, '--json'], { env: { ...env, LAMBDA_HOST: host } })
    expect(nobody.code).toBe(0)
    expect(JSON.parse(nobody.stdout)).toMatchObject({ answers: 'nothing', agent: null, problem: expect.stringContaining('Could not reach'), overriddenBy: 'LAMBDA_HOST' })
    // What is said for people goes to stderr.
    expect(nobody.stderr).toContain('Saved anyway')

    const bad = await runCli(['config', 'set-host', 'ftp://example.com', '--json'], { env })
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stdout).error.code).toBe('INVALID_HOST')
    expect((await runCli(['config', 'set-host', host], { env })).code).toBe(0)
  })

  it('config set-key --json: the masked key, whether the agent accepted it and its scope; never the key itself', async () => {
    const { key } = suite.agent
    const accepted = await runCli(['config', 'set-key', key, '--json'], { env })
    expect(accepted.code, accepted.output).toBe(0)
    const doc = JSON.parse(accepted.stdout)
    expect(doc).toEqual({ apiKey: `${key.slice(0, 13)}…`, context: 'default', settingsFile: join(home, 'mini-lambda', 'settings.json'), host: `http://127.0.0.1:${suite.agent.port}`, checked: true, scope: 'admin', problem: null, overriddenBy: null })
    expect(accepted.stdout).not.toContain(key)

    const rejected = await runCli(['config', 'set-key', `${key.slice(0, 13)}${'A'.repeat(43)}`, '--json'], { env })
    expect(rejected.code).toBe(1)
    expect(JSON.parse(rejected.stdout).error.code).toBe('API_KEY_REJECTED')
  })

  it('agent keys revoke --json: the admin API\'s answer for the revoked key', async () => {
    const { agent } = suite
    const keys = (args: string[]) => runCli(['agent', 'keys', ...args, '--data-dir', agent.dataDir])
    const made = JSON.parse((await keys(['create', '--name', 'ci', '--scope', 'deploy', '--json'])).stdout)
    const revoked = await keys(['revoke', made.id, '--json'])
    expect(revoked.code, revoked.output).toBe(0)
    expect(JSON.parse(revoked.stdout)).toEqual({ id: made.id, name: 'ci', scope: 'deploy', revoked: true })
    const again = await keys(['revoke', made.id, '--json'])
    expect(again.code).toBe(1)
    expect(JSON.parse(again.stdout).error.code).toBe('KEY_NOT_FOUND')
  })
})
