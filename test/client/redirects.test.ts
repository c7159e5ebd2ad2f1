import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RecordingServer } from '../helpers/recording-server'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { version } from '../../package.json'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { createProject } from '../helpers/project'
import { startRecordingServer } from '../helpers/recording-server'

const REDIRECTS = [301, 302, 303, 307, 308] as const
/** A well-formed key: what the CLI holds when it talks to a stranger. */
const ADMIN_KEY = `mlk_abcd1234_${'k'.repeat(43)}`

/** Another host: anything the CLI sends here was sent where the user did not ask. */
let elsewhere: RecordingServer
beforeAll(async () => {
  elsewhere = await startRecordingServer()
})
afterAll(() => elsewhere?.close())

describe('a function answers a redirect: lambda invoke prints it and never follows it with the caller\'s key', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    // Answers whatever redirect it is asked for: the hostile function of the story.
    'functions/hostile/index.ts': [
      'export default (request: Request) => {',
      '  const url = new URL(request.url)',
      '  return new Response(\'moved\\n\', { status: Number(url.searchParams.get(\'status\')), headers: { location: url.searchParams.get(\'to\')!, \'content-type\': \'text/plain\' } })',
      '}',
      '',
    ].join('\n'),
  }), async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  const keyIds = async () => (await suite.agent.admin('/keys')).json().keys.map((k: { id: string }) => k.id).sort()

  for (const status of REDIRECTS) {
    it(`${status} to an admin route, to the admin API's full URL, to another host: printed with its Location, nothing happens there`, async () => {
      const { agent } = suite
      const before = await keyIds()
      const targets = ['/_lambda/keys', `http://127.0.0.1:${agent.port}/_lambda/keys`, `${elsewhere.url}/steal`]
      for (const to of targets) {
        const result = await agent.cli(['invoke', 'hostile', '-X', 'POST', '-d', '{"name":"stolen","scope":"admin"}', '--path', `/?status=${status}&to=${encodeURIComponent(to)}`])
        expect(result.code, result.output).toBe(0)
        expect(result.stdout).toBe('moved\n')
        expect(result.stderr).toContain(`"hostile" answered HTTP ${status}`)
        expect(result.stderr).toContain(`Location: ${to}`)
        expect(result.stderr).toContain('not followed')
      }
      expect(await keyIds()).toEqual(before)
      expect(elsewhere.requests).toEqual([])
    })
  }

  it('--json: the 3xx is the response document, with its Location; nothing followed', async () => {
    const before = await keyIds()
    const result = await suite.agent.cli(['invoke', 'hostile', '--json', '-X', 'POST', '-d', '{"name":"stolen"}', '--path', `/?status=307&to=${encodeURIComponent('/_lambda/keys')}`])
    expect(result.code, result.output).toBe(0)
    const doc = JSON.parse(result.stdout)
    expect(doc).toMatchObject({ name: 'hostile', status: 307, statusText: 'Temporary Redirect', location: '/_lambda/keys', body: 'moved\n' })
    expect(doc.headers.location).toBe('/_lambda/keys')
    expect(await keyIds()).toEqual(before)
  })
})

/**
 * Something at LAMBDA_HOST that is not a Mini Lambda agent, or one that was taken over: it answers the paths
 * in `answered` as an agent would (its health, a list of no functions or keys) and every other request
 * with a redirect to `location`.
 */
interface HostileAgent extends RecordingServer {
  answer: { status: number, location: string, answered: string[] }
}

const ANSWERED = ['/_lambda/health', '/_lambda/keys']

async function startHostileAgent(): Promise<HostileAgent> {
  const answer = { status: 307, location: '/_lambda/keys', answered: ANSWERED }
  const bodies: Record<string, unknown> = {
    '/_lambda/health': { ok: true, agent: 'mini-lambda', version, provider: 'process', isolated: false, domain: 'localhost' },
    // Where a followed redirect lands: answers like the real route would, so only the record tells.
    '/_lambda/keys': { keys: [] },
    '/_lambda/functions': { functions: [] },
  }
  const server = await startRecordingServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!
    if (answer.answered.includes(path)) {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify(bodies[path]))
    }
    res.writeHead(answer.status, { 'location': answer.location, 'content-type': 'text/plain' })
    res.end('moved')
  })
  return Object.assign(server, { answer })
}

describe('an "agent" answers admin calls with redirects: no command follows them, each says what happened', () => {
  let hostile: HostileAgent
  let settingsDir: string
  const project = createProject({ 'functions/hello/index.ts': 'export default () => \'hi\'\n' })
  beforeAll(async () => {
    hostile = await startHostileAgent()
    settingsDir = mkdtempSync(join(tmpdir(), 'lambda-cli-'))
  })
  afterAll(async () => {
    await hostile?.close()
    rmSync(settingsDir, { recursive: true, force: true })
    project.remove()
  })

  const cli = (args: string[], input?: string) => runCli(args, {
    cwd: project.dir,
    input,
    env: { LAMBDA_HOST: hostile.url, LAMBDA_API_KEY: ADMIN_KEY, XDG_CONFIG_HOME: settingsDir },
    // A CLI that followed a redirect in a loop would never end: a deadline, not a measure.
    timeoutMs: 30_000,
  })

  /** Nothing reached the redirect's target: no admin route behind it, no other host. */
  const expectNothingFollowed = () => {
    expect(hostile.requests.filter(r => r.url.startsWith('/_lambda/keys'))).toEqual([])
    expect(elsewhere.requests).toEqual([])
  }

  const commands: Array<{ args: string[], input?: string, answered?: string[] }> = [
    { args: ['list'] },
    // The agent lists no functions, so the upload itself is what gets the redirect.
    { args: ['deploy'], answered: [...ANSWERED, '/_lambda/functions'] },
    { args: ['logs', 'hello'] },
    { args: ['logs', 'hello', '--follow'] },
    { args: ['delete', 'hello', '--yes'] },
    { args: ['rollback', 'hello'] },
    { args: ['versions', 'hello'] },
    { args: ['releases'] },
    { args: ['metrics'] },
    { args: ['schedules'] },
    { args: ['invocations'] },
    { args: ['secrets', 'list'] },
    { args: ['secrets', 'set', 'db-password'], input: 'hunter2' },
  ]

  for (const [i, { args, input, answered = ANSWERED }] of commands.entries()) {
    const status = REDIRECTS[i % REDIRECTS.length]!
    it(`lambda ${args.join(' ')}: a ${status} to an admin route or to another host is refused, exit 1`, async () => {
      for (const location of ['/_lambda/keys', `${elsewhere.url}/steal`]) {
        Object.assign(hostile.answer, { status, location, answered })
        const result = await cli(args, input)
        expect(result.code, result.output).toBe(1)
        // deploy reports each function's failure in its table, on stdout.
        expect(result.output).toMatch(new RegExp(`The agent at ${hostile.url} answered [A-Z]+ /_lambda/\\S+ with ${status} [\\w ]+ to ${location}; the CLI does not follow redirects`))
        expect(result.output).not.toContain('hunter2')
      }
      expectNothingFollowed()
    })
  }

  it('lambda invoke: the redirect is printed as the answer, exit 0, not followed; with --async it is an error', async () => {
    Object.assign(hostile.answer, { status: 308, location: '/_lambda/keys', answered: ANSWERED })
    const sync = await cli(['invoke', 'hello', '-X', 'POST', '-d', '{}'])
    expect(sync.code, sync.output).toBe(0)
    expect(sync.stderr).toContain('"hello" answered HTTP 308')
    expect(sync.stderr).toContain('Location: /_lambda/keys')
    const async = await cli(['invoke', 'hello', '--async'])
    expect(async.code, async.output).toBe(1)
    expect(async.stdout).toBe('')
    expect(async.stderr).toContain('answered HTTP 308 Permanent Redirect instead of 202 Accepted')
    expect(async.stderr).toContain('Location: /_lambda/keys')
    expectNothingFollowed()
  })

  it('lambda config set-key: the check (GET /_lambda/keys) is answered with a redirect: saved unchecked, and the CLI says why', async () => {
    for (const location of ['/_lambda/keys', `${elsewhere.url}/steal`]) {
      Object.assign(hostile.answer, { status: 302, location, answered: ['/_lambda/health'] })
      const asked = hostile.requests.length
      const result = await cli(['config', 'set-key', ADMIN_KEY])
      expect(result.code, result.output).toBe(0)
      expect(result.stderr).toContain(`not checked: The agent at ${hostile.url} answered GET /_lambda/keys with 302 Found to ${location}; the CLI does not follow redirects`)
      // The check itself, once: not again where the redirect pointed.
      expect(hostile.requests.slice(asked)).toEqual([{ method: 'GET', url: '/_lambda/keys', authorization: `Bearer ${ADMIN_KEY}` }])
    }
    expect(elsewhere.requests).toEqual([])
  })

  it('lambda config set-host: a health check that redirects is not followed, and the CLI says the address is not an agent', async () => {
    Object.assign(hostile.answer, { status: 301, location: `${elsewhere.url}/_lambda/health`, answered: [] })
    const result = await cli(['config', 'set-host', hostile.url])
    expect(result.code, result.output).toBe(0)
    expect(result.stderr).toContain(`something answers at ${hostile.url}, but it is not a Mini Lambda agent`)
    expect(result.stderr).toContain(`answered GET /_lambda/health with 301 Moved Permanently to ${elsewhere.url}/_lambda/health`)
    expect(elsewhere.requests).toEqual([])
  })
})
