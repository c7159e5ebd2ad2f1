import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'

const ISO = /^\d{4}-\d{2}-\d{2}T/

/** The shapes docs/cli.md promises (deploy, invoke and rollback have their own suites). */
describe('--json: one document on stdout, in the documented shape', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'lambda.config.ts': 'export default { functions: { hello: { env: { TOKEN: { secret: \'tok\' } } } } }\n',
    'functions/hello/index.ts': 'export default () => ({ message: \'hi\' })\n',
  }), async ({ agent, project }) => {
    expect((await agent.cli(['secrets', 'set', 'tok'], { input: 'value' })).code).toBe(0)
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })
  const json = async (args: string[], opts: { cwd?: string } = {}) => {
    const result = await suite.agent.cli([...args, '--json'], opts)
    expect(result.code, `${args.join(' ')}\n${result.output}`).toBe(0)
    return JSON.parse(result.stdout)
  }

  it('build, list, versions, releases', async () => {
    expect(await json(['build'], { cwd: suite.project.dir })).toEqual({ functions: [{ name: 'hello', kind: 'node', hash: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number), path: expect.stringContaining('.lambda/build/hello/') }] })
    expect(await json(['list'])).toEqual([expect.objectContaining({
      name: 'hello',
      version: 1,
      hash: expect.any(String),
      kind: 'node',
      state: expect.stringMatching(/^(running|starting|paused|idle)$/),
      instances: expect.any(Number),
      paused: expect.any(Number),
      url: `http://hello.localhost:${suite.agent.port}/`,
      deployedAt: expect.stringMatching(ISO),
      config: expect.objectContaining({ timeout: 30 }),
      env: [{ name: 'TOKEN', source: 'secret', secret: 'tok', set: true }],
    })])
    const versions = await json(['versions', 'hello'])
    expect(versions).toMatchObject({ name: 'hello', current: 1, lastVersion: 1, keepVersions: 5, history: [{ version: 1, action: 'deploy', at: expect.stringMatching(ISO) }] })
    expect(versions.versions).toEqual([{ number: 1, hash: expect.any(String), kind: 'node', createdAt: expect.stringMatching(ISO), image: expect.any(String), current: true, url: `http://v1.hello.localhost:${suite.agent.port}/` }])
    expect(await json(['releases'])).toEqual([{ id: 1, createdAt: expect.stringMatching(ISO), kind: 'deploy', partial: false, functions: { hello: 1 }, restorable: true, missing: [] }])
  })

  it('config show, secrets list, agent keys list', async () => {
    expect(await json(['config', 'show'])).toEqual({ host: `http://127.0.0.1:${suite.agent.port}`, hostSource: 'LAMBDA_HOST', apiKey: expect.stringMatching(/^mlk_\w{8}_…$/), keySource: 'LAMBDA_API_KEY', context: 'default', contexts: ['default'], settingsFile: expect.stringContaining('settings.json') })
    expect(await json(['secrets', 'list'])).toEqual({ secrets: [{ name: 'tok', usedBy: ['hello'], createdAt: expect.stringMatching(ISO), updatedAt: expect.stringMatching(ISO) }], missing: [] })
    expect(await json(['agent', 'keys', 'list', '--data-dir', suite.agent.dataDir])).toEqual([{ id: expect.stringMatching(/^[a-z0-9]{8}$/), name: 'admin', scope: 'admin', secrets: ['*'], createdAt: expect.stringMatching(ISO) }])
  })

  it('delete', async () => {
    expect(await json(['delete', 'hello', '--yes'])).toEqual({ name: 'hello', versionsRemoved: 1, lastVersion: 1 })
  })

  it('a failure is { "error": { code, message, hint } } on stdout, with exit 1 (or 2 for a usage error)', async () => {
    const missing = await suite.agent.cli(['versions', 'nope', '--json'])
    expect(missing.code).toBe(1)
    // Extra machine-readable fields of the agent's error come along (here: the known functions).
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'FUNCTION_NOT_FOUND', message: expect.stringContaining('nope'), hint: expect.any(String) } })

    const unconfirmed = await suite.agent.cli(['delete', 'hello', '--json'])
    expect(unconfirmed.code).toBe(2)
    expect(JSON.parse(unconfirmed.stdout).error).toMatchObject({ code: 'CONFIRMATION_REQUIRED', hint: 'Run `lambda delete hello --yes`.' })

    const port = await freePort()
    const unreachable = await suite.agent.cli(['list', '--json'], { env: { LAMBDA_HOST: `http://127.0.0.1:${port}` } })
    expect(unreachable.code).toBe(1)
    expect(JSON.parse(unreachable.stdout).error).toMatchObject({ code: 'AGENT_UNREACHABLE', message: `Could not reach the agent at http://127.0.0.1:${port} (ECONNREFUSED).` })
  })
})
