import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { startDev } from '../helpers/dev'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'
import { startRecordingServer } from '../helpers/recording-server'

const home = mkdtempSync(join(tmpdir(), 'lambda-settings-'))
const env = { XDG_CONFIG_HOME: home, LAMBDA_HOST: '', LAMBDA_API_KEY: '' }
const settingsFile = join(home, 'mini-lambda', 'settings.json')
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('lambda config', () => {
  it('set-host and set-key write a per-user file only its owner can read', async () => {
    expect((await runCli(['config', 'set-host', '127.0.0.1:9/'], { env })).code).toBe(0)
    expect((await runCli(['config', 'set-key', 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1'], { env })).code).toBe(0)
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ host: 'http://127.0.0.1:9', apiKey: 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1' })
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'mini-lambda')).mode & 0o777).toBe(0o700)
  })

  it('show prints the host and a masked key with where each came from', async () => {
    const shown = await runCli(['config', 'show', '--json'], { env })
    expect(JSON.parse(shown.stdout)).toMatchObject({ host: 'http://127.0.0.1:9', hostSource: 'settings', keySource: 'settings', settingsFile })
    expect(shown.stdout).not.toContain('secretsecret')
  })

  it('lAMBDA_HOST and LAMBDA_API_KEY win over the file (for CI)', async () => {
    const shown = await runCli(['config', 'show', '--json'], { env: { ...env, LAMBDA_HOST: 'https://agent.example.com', LAMBDA_API_KEY: 'mlk_zzzzzzzz_fromenvfromenvfromenvfromenvfromenvfromenv12' } })
    expect(JSON.parse(shown.stdout)).toMatchObject({ host: 'https://agent.example.com', hostSource: 'LAMBDA_HOST', keySource: 'LAMBDA_API_KEY' })
  })

  it('rejects a host that is not an http(s) URL, keeping what was saved', async () => {
    const result = await runCli(['config', 'set-host', 'ftp://example.com'], { env })
    expect(result.code).toBe(2)
    expect(result.output).toContain('http or https')
    expect(JSON.parse(readFileSync(settingsFile, 'utf8')).host).toBe('http://127.0.0.1:9')
  })
})

describe('config set-host --json tells "something else answers" from "nothing answers"', () => {
  const setHost = async (host: string) => {
    const result = await runCli(['config', 'set-host', host, '--json'], { env })
    expect(result.code, result.output).toBe(0)
    return JSON.parse(result.stdout) as { answers: string, agent: unknown, problem: string | null }
  }

  it('a running `lambda dev` (which speaks the same error format) is not an agent', async () => {
    const project = createProject({ 'functions/hello/index.ts': 'export default () => \'hi\'\n' })
    const dev = await startDev(project.dir)
    try {
      const result = await setHost(`http://127.0.0.1:${dev.port}`)
      expect(result).toMatchObject({ answers: 'not-an-agent', agent: null })
      expect(result.problem).toContain('answered 404 FUNCTION_NOT_FOUND')
      expect(result.problem).toContain('`lambda dev`')
    }
    finally {
      await dev.stop()
      project.remove()
    }
  })

  it('a server that answers 200 to every path is not an agent either', async () => {
    const anything = await startRecordingServer()
    try {
      expect(await setHost(anything.url)).toMatchObject({ answers: 'not-an-agent', agent: null, problem: `${anything.url}/_lambda/health answered, but not as a Mini Lambda agent.` })
    }
    finally {
      await anything.close()
    }
  })

  it('only no answer at all is "nothing"', async () => {
    const result = await setHost(`http://127.0.0.1:${await freePort()}`)
    expect(result.answers).toBe('nothing')
    expect(result.problem).toContain('Could not reach the agent')
  })
})

describe('lambda config checks what it is given', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({}))
  const home = mkdtempSync(join(tmpdir(), 'lambda-settings-'))
  const env = { XDG_CONFIG_HOME: home, LAMBDA_HOST: '', LAMBDA_API_KEY: '' }
  const saved = () => JSON.parse(readFileSync(join(home, 'mini-lambda', 'settings.json'), 'utf8'))
  afterAll(() => rmSync(home, { recursive: true, force: true }))

  it('set-host says whether an agent answers there; the host is saved either way', async () => {
    const agentHost = `http://127.0.0.1:${suite.agent.port}`
    const reached = await runCli(['config', 'set-host', agentHost], { env })
    expect(reached.code).toBe(0)
    expect(reached.stdout).toContain('A Mini Lambda agent answers there: version ')
    expect(reached.stdout).toContain('process provider')

    const nobody = `http://127.0.0.1:${await freePort()}`
    const refused = await runCli(['config', 'set-host', nobody], { env })
    expect(refused.code).toBe(0)
    expect(refused.stderr).toContain(`Saved anyway, but no agent answers at ${nobody}: Could not reach the agent`)
    expect(saved().host).toBe(nobody)

    const stranger = createServer((_req, res) => res.writeHead(404).end('not here'))
    await new Promise<void>(resolve => stranger.listen(0, '127.0.0.1', resolve))
    try {
      const other = `http://127.0.0.1:${(stranger.address() as { port: number }).port}`
      const result = await runCli(['config', 'set-host', other], { env })
      expect(result.code).toBe(0)
      expect(result.stderr).toContain(`Saved anyway, but something answers at ${other}, but it is not a Mini Lambda agent`)
    }
    finally {
      stranger.close()
    }
    expect((await runCli(['config', 'set-host', agentHost], { env })).code).toBe(0)
  })

  it('set-key refuses what is not a key (exit 2) and a key the agent rejects (exit 1), keeping the saved one', async () => {
    expect((await runCli(['config', 'set-key', suite.agent.key], { env })).code).toBe(0)
    const malformed = await runCli(['config', 'set-key', 'hunter2'], { env })
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toContain('That is not a Mini Lambda API key (7 characters): keys look like mlk_<8 letters or digits>_<43 characters>.')
    expect(malformed.output).not.toContain('hunter2')
    const unknown = `mlk_00000000_${'A'.repeat(43)}`
    const rejected = await runCli(['config', 'set-key', unknown], { env })
    expect(rejected.code).toBe(1)
    expect(rejected.stderr).toContain(`The agent at http://127.0.0.1:${suite.agent.port} does not accept this key (unknown, revoked or mistyped); the saved key is unchanged.`)
    expect(saved().apiKey).toBe(suite.agent.key)
  })

  it('set-key says which scope the agent gives the key', async () => {
    const admin = await runCli(['config', 'set-key', suite.agent.key], { env })
    expect(admin.stdout).toContain('accepts it (admin scope)')
    const made = await runCli(['agent', 'keys', 'create', '--scope', 'invoke', '--data-dir', suite.agent.dataDir, '--json'], { env })
    expect(made.code, made.output).toBe(0)
    const { key, scope } = JSON.parse(made.stdout)
    expect(scope).toBe('invoke')
    const invoke = await runCli(['config', 'set-key', key], { env })
    expect(invoke.code).toBe(0)
    expect(invoke.stdout).toContain('accepts it (invoke scope)')
    expect(saved().apiKey).toBe(key)
  })
})
