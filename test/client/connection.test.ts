import type { RecordingServer } from '../helpers/recording-server'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { version } from '../../package.json'
import { useAgent } from '../helpers/agent'
import { tempDir } from '../helpers/cleanups'
import { runCli } from '../helpers/cli'
import { createProject } from '../helpers/project'
import { startRecordingServer } from '../helpers/recording-server'

const keyFor = (name: string) => `mlk_${name.padEnd(8, '0')}_${name.repeat(43).slice(0, 43)}`
const [KEY_A, KEY_B, KEY_C] = [keyFor('aaaa'), keyFor('bbbb'), keyFor('cccc')]

/** Answers like an agent with no functions, and records who asked with which key. */
function startFakeAgent(): Promise<RecordingServer> {
  const bodies: Record<string, unknown> = {
    '/_lambda/health': { ok: true, agent: 'mini-lambda', version, provider: 'process', isolated: false, domain: 'localhost' },
    '/_lambda/functions': { functions: [] },
    '/_lambda/keys': { keys: [] },
  }
  return startRecordingServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(bodies[(req.url ?? '').split('?')[0]!] ?? {}))
  })
}

describe('which agent and key a command uses: --host / --key, then LAMBDA_HOST / LAMBDA_API_KEY, then the settings file', () => {
  const agents: RecordingServer[] = []
  let [a, b, c] = agents
  beforeAll(async () => {
    agents.push(await startFakeAgent(), await startFakeAgent(), await startFakeAgent())
    ;[a, b, c] = agents
  })
  afterAll(() => Promise.all(agents.map(agent => agent.close())))

  /** The CLI with its own settings folder and no LAMBDA_* of the test's environment. */
  const cliIn = (settings: string) => (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { XDG_CONFIG_HOME: settings, LAMBDA_HOST: '', LAMBDA_API_KEY: '', LAMBDA_CONTEXT: '', ...env } })
  /** Who got `lambda list`'s request (GET /_lambda/functions), and with which Authorization. */
  const listedAt = () => agents.map(agent => agent.requests.filter(r => r.url === '/_lambda/functions').map(r => r.authorization ?? null))
  const clear = () => agents.forEach(agent => agent.requests.splice(0))

  it('each value: the flag, else the environment, else the settings file; config show says where each came from', async () => {
    const cli = cliIn(tempDir('lambda-settings-'))
    expect((await cli(['config', 'set-host', a!.url])).code).toBe(0)
    expect((await cli(['config', 'set-key', KEY_A])).code).toBe(0)
    clear()

    expect((await cli(['list'])).code).toBe(0)
    expect((await cli(['list'], { LAMBDA_HOST: b!.url, LAMBDA_API_KEY: KEY_B })).code).toBe(0)
    const flags = await cli(['list', '--host', c!.url, '--key', KEY_C], { LAMBDA_HOST: b!.url, LAMBDA_API_KEY: KEY_B })
    expect(flags.code, flags.output).toBe(0)
    // One flag alone: the other value still comes from the environment.
    expect((await cli(['list', '--key', KEY_C], { LAMBDA_HOST: b!.url, LAMBDA_API_KEY: KEY_B })).code).toBe(0)
    expect(listedAt()).toEqual([[`Bearer ${KEY_A}`], [`Bearer ${KEY_B}`, `Bearer ${KEY_C}`], [`Bearer ${KEY_C}`]])

    const shown = await cli(['config', 'show', '--json', '--host', c!.url, '--key', KEY_C], { LAMBDA_HOST: b!.url, LAMBDA_API_KEY: KEY_B })
    expect(JSON.parse(shown.stdout)).toMatchObject({ host: c!.url, hostSource: '--host', keySource: '--key', apiKey: `${KEY_C.slice(0, 13)}…` })
    // LAMBDA_HOST naming another agent gets no saved key: the one saved is for a's address.
    const fromEnv = await cli(['config', 'show', '--json'], { LAMBDA_HOST: b!.url })
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ host: b!.url, hostSource: 'LAMBDA_HOST', keySource: null, apiKey: null, context: 'default' })
    clear()
    await cli(['list'], { LAMBDA_HOST: b!.url })
    expect(listedAt()).toEqual([[], [null], []])
    // The same address as the saved one keeps its key.
    const same = await cli(['config', 'show', '--json'], { LAMBDA_HOST: a!.url })
    expect(JSON.parse(same.stdout)).toMatchObject({ hostSource: 'LAMBDA_HOST', keySource: 'settings' })
  })

  it('a key saved for one agent never goes to another address given with --host', async () => {
    const cli = cliIn(tempDir('lambda-settings-'))
    await cli(['config', 'set-host', a!.url])
    await cli(['config', 'set-key', KEY_A])
    clear()
    expect((await cli(['list', '--host', c!.url])).code).toBe(0)
    // Once a key is saved for that address (in any context), --host sends that one.
    await cli(['config', 'set-host', c!.url, '--context', 'third'])
    await cli(['config', 'set-key', KEY_C, '--context', 'third'])
    clear()
    expect((await cli(['list', '--host', `${c!.url}/`])).code).toBe(0)
    expect((await cli(['list', '--host', a!.url])).code).toBe(0)
    expect(listedAt()).toEqual([[`Bearer ${KEY_A}`], [], [`Bearer ${KEY_C}`]])
  })

  it('named contexts: saved with --context, chosen with use-context, LAMBDA_CONTEXT or --context (which beats the environment)', async () => {
    const settings = tempDir('lambda-settings-')
    const cli = cliIn(settings)
    await cli(['config', 'set-host', a!.url])
    await cli(['config', 'set-key', KEY_A])
    const host = await cli(['config', 'set-host', b!.url, '--context', 'staging'])
    expect(host.stdout).toContain(`Agent set to ${b!.url} in context "staging"`)
    const key = await cli(['config', 'set-key', KEY_B, '--context', 'staging'])
    expect(key.stdout).toContain(`The agent at ${b!.url} accepts it`)
    expect(JSON.parse(readFileSync(join(settings, 'mini-lambda', 'settings.json'), 'utf8'))).toEqual({ host: a!.url, apiKey: KEY_A, contexts: { staging: { host: b!.url, apiKey: KEY_B } } })
    clear()

    expect((await cli(['list', '--context', 'staging'], { LAMBDA_HOST: c!.url, LAMBDA_API_KEY: KEY_C })).code).toBe(0)
    expect((await cli(['list'], { LAMBDA_CONTEXT: 'staging' })).code).toBe(0)
    const used = await cli(['config', 'use-context', 'staging'])
    expect(used.stdout).toContain(`Commands now use the context "staging" (${b!.url})`)
    expect((await cli(['list'])).code).toBe(0)
    expect((await cli(['list'], { LAMBDA_CONTEXT: 'default' })).code).toBe(0)
    // The environment still wins over the current context, as it wins over the file.
    expect((await cli(['list'], { LAMBDA_HOST: c!.url, LAMBDA_API_KEY: KEY_C })).code).toBe(0)
    expect(listedAt()).toEqual([[`Bearer ${KEY_A}`], [`Bearer ${KEY_B}`, `Bearer ${KEY_B}`, `Bearer ${KEY_B}`], [`Bearer ${KEY_C}`]])
    expect(JSON.parse((await cli(['config', 'show', '--json'])).stdout)).toMatchObject({ host: b!.url, context: 'staging', contexts: ['default', 'staging'] })

    const unknown = await cli(['list', '--context', 'stagng'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('No context named "stagng". Did you mean staging?')
    expect(unknown.stderr).toContain('Contexts: default, staging.')
    expect((await cli(['config', 'use-context', 'prod'])).code).toBe(1)
    expect((await cli(['config', 'use-context', 'default'])).code).toBe(0)
    expect(JSON.parse((await cli(['config', 'show', '--json'])).stdout)).toMatchObject({ host: a!.url, context: 'default' })
  })

  it('a malformed --host or --key is refused before anything is sent (exit 2)', async () => {
    const cli = cliIn(tempDir('lambda-settings-'))
    clear()
    const key = await cli(['list', '--host', a!.url, '--key', 'hunter2'])
    expect(key.code).toBe(2)
    expect(key.stderr).toContain('The value of --key is not a Mini Lambda API key')
    expect(key.stderr).not.toContain('hunter2')
    const host = await cli(['list', '--host', 'ftp://example.com', '--key', KEY_A])
    expect(host.code).toBe(2)
    expect(host.stderr).toContain('uses ftp:; the agent speaks http or https')
    expect(agents.flatMap(agent => agent.requests)).toEqual([])
  })

  it('every command that talks to an agent takes --host, --key and --context; --key says it shows in ps', async () => {
    const commands = [['deploy'], ['invoke'], ['invocations'], ['invocation'], ['invocation', 'replay'], ['list'], ['delete'], ['versions'], ['rollback'], ['releases'], ['logs'], ['secrets', 'set'], ['secrets', 'list'], ['secrets', 'rm'], ['schedule'], ['schedule', 'add'], ['schedule', 'rm'], ['schedule', 'pause'], ['schedule', 'resume'], ['schedule', 'run'], ['schedule', 'history'], ['schedules'], ['metrics'], ['config', 'show']]
    const cli = cliIn(tempDir('lambda-settings-'))
    for (const command of commands) {
      const help = await cli([...command, '--help'])
      for (const flag of ['--host', '--key', '--context']) expect(help.stdout, `lambda ${command.join(' ')} ${flag}`).toContain(flag)
      expect(help.stdout, command.join(' ')).toMatch(/--key[\s\S]*ps/)
    }
  })
})

describe('--host and --key against a real agent, with the environment pointing elsewhere', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({ 'functions/hello/index.ts': 'export default () => \'hi from the agent\'\n' }))

  it('deploy and invoke go to the agent the flags name, with their key', async () => {
    const nowhere = await startFakeAgent()
    try {
      const env = { XDG_CONFIG_HOME: tempDir('lambda-settings-'), LAMBDA_HOST: nowhere.url, LAMBDA_API_KEY: KEY_A }
      const flags = ['--host', `127.0.0.1:${suite.agent.port}`, '--key', suite.agent.key]
      const deploy = await runCli(['deploy', ...flags], { cwd: suite.project.dir, env })
      expect(deploy.code, deploy.output).toBe(0)
      const invoke = await runCli(['invoke', 'hello', ...flags], { env })
      expect(invoke.code, invoke.output).toBe(0)
      expect(invoke.stdout).toBe('hi from the agent\n')
      expect(nowhere.requests).toEqual([])
      // Without --key, the environment's key (not this agent's) goes with it, and the agent refuses it.
      const refused = await runCli(['invoke', 'hello', '--host', `127.0.0.1:${suite.agent.port}`], { env })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/key/i)
    }
    finally {
      await nowhere.close()
    }
  })
})
