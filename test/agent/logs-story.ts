import type { AgentProcess, AgentSuite } from '../helpers/agent'
import type { LongRunning } from '../helpers/cli'
import { afterAll, describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { startCli } from '../helpers/cli'
import { createProject } from '../helpers/project'

/** Prints `<word> <i>` n times (5 ms apart), so concurrent calls interleave on one instance. */
export const talker = (version: string) => `
console.log('talk loading ${version}')
export default async (request: Request) => {
  const url = new URL(request.url)
  const word = url.searchParams.get('say') ?? 'hi'
  const n = Number(url.searchParams.get('n') ?? 1)
  for (let i = 0; i < n; i++) {
    console.log(word + ' ' + i)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  if (url.pathname === '/crash') {
    setTimeout(() => { throw new Error('kaboom from ' + word) }, 0)
    await new Promise(resolve => setTimeout(resolve, 2000))
  }
  return { version: '${version}', word }
}
`

export const logsProject = () => createProject({
  'functions/talk/index.ts': talker('one'),
  'functions/spin/index.ts': 'export default async () => { console.log(\'spinning\'); for (;;) {} }\n',
  'functions/private/index.ts': 'export default () => \'secret\'\n',
  'lambda.config.ts': 'export default { functions: { spin: { timeout: 1 }, private: { auth: \'key\' } } }\n',
})

/**
 * Output travels from the instance to the agent on its own path (pipes, the Docker logs API), so a line
 * may be stored a moment after the answer: runs `read` until `done` holds (or 15 s pass) and returns the last result.
 */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000
  let value = await read()
  while (!done(value) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 200))
    value = await read()
  }
  return value
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`

/** The JSON entry of `lambda logs --follow --json` whose message is `message`, waited for from `from`. */
async function awaitEntry(follow: LongRunning, message: string, from: number, timeoutMs = 15_000) {
  const [line] = await follow.waitFor(new RegExp(`^\\{.*"message":"${message}".*\\}$`, 'm'), timeoutMs, from)
  return JSON.parse(line)
}

/**
 * The logs story every provider tells the same way: a line printed by a function reaches `lambda logs
 * --follow` across a cold start, a deploy and a rollback (latency printed), `--request` finds exactly one
 * invocation's lines among concurrent ones on one instance, and errors point at those lines.
 */
export function logsStory(provider: 'docker' | 'process', opts: { restart?: boolean } = {}) {
  const suite: AgentSuite = useAgent({ provider, idleTimeout: 1 }, logsProject, async ({ agent, project }) => {
    const deployed = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deployed.code, deployed.output).toBe(0)
  })
  let follow: LongRunning | undefined
  afterAll(async () => {
    await follow?.stop()
  })
  const latencies: Array<[string, number]> = []

  /** Calls talk and waits for its line in the follower; returns the entry, the response and the latency. */
  async function printed(agent: AgentProcess, what: string) {
    const word = unique(what)
    const from = follow!.output().length
    const started = performance.now()
    const res = await agent.call('talk', `/?say=${word}`)
    expect(res.status, res.text).toBe(200)
    const entry = await awaitEntry(follow!, `${word} 0`, from)
    const ms = performance.now() - started
    latencies.push([what, ms])
    expect(entry).toMatchObject({ type: 'output', function: 'talk', stream: 'stdout', requestId: res.headers['x-request-id'] })
    return { entry, res, ms, from }
  }

  describe(`lambda logs on the ${provider} provider`, () => {
    it('--follow shows a printed line within moments, across a cold start, a deploy and a rollback', async () => {
      const { agent, project } = suite
      follow = startCli(['logs', 'talk', '--follow', '--json'], { env: agent.env })
      // The deploy's warm-up start printed this: the follower has its history and is live.
      await follow.waitFor(/"message":"talk loading one"/, 15_000)

      const warm = await printed(agent, 'warm')
      expect(warm.entry.version).toBe(1)

      // Idle timeout is 1 s: the instance is stopped, so the next call is a cold start.
      for (let i = 0; i < 100 && (await agent.admin('/functions/talk')).json().instances > 0; i++) await new Promise(r => setTimeout(r, 100))
      const cold = await printed(agent, 'cold')
      const coldCall = await follow.waitFor(new RegExp(`\\{"seq":\\d+[^\\n]*"type":"invocation"[^\\n]*"requestId":"${cold.res.headers['x-request-id']}"[^\\n]*\\}`), 15_000, cold.from)
      expect(JSON.parse(coldCall[0])).toMatchObject({ method: 'GET', status: 200, coldStart: true, version: 1 })
      expect(cold.entry.instance).not.toBe(warm.entry.instance)

      project.write('functions/talk/index.ts', talker('two'))
      const deployed = await agent.cli(['deploy', '--only', 'talk'], { cwd: project.dir })
      expect(deployed.code, deployed.output).toBe(0)
      expect((await printed(agent, 'deployed')).entry.version).toBe(2)

      const rolledBack = await agent.cli(['rollback', 'talk'])
      expect(rolledBack.code, rolledBack.output).toBe(0)
      expect((await printed(agent, 'rolled-back')).entry.version).toBe(1)
      console.log(`[${provider}] console.log → lambda logs --follow: ${latencies.map(([what, ms]) => `${what} ${ms.toFixed(0)} ms`).join(', ')}`)
    })

    if (opts.restart) {
      it('--follow reconnects when the agent restarts, and the stored lines outlive the restart', async () => {
        await suite.agent.stop()
        suite.agent = await suite.agent.restart()
        // before the function prints again, what the earlier run stored is there
        const kept = await suite.agent.cli(['logs', 'talk', '--tail', '5', '--json'])
        expect(kept.code, kept.output).toBe(0)
        expect(kept.stdout.split('\n').filter(Boolean).length, kept.output).toBe(5)
        const after = await printed(suite.agent, 'after-restart')
        expect(after.entry.version).toBe(1)
        await follow!.waitFor(/Reconnected; following again/, 15_000)
        const history = await suite.agent.cli(['logs', 'talk', '--since', '1h', '--json'])
        const messages = history.stdout.split('\n').filter(Boolean).map(line => JSON.parse(line).message)
        expect(messages.some(m => /^warm-\w+ 0$/.test(m))).toBe(true)
        expect(messages.some(m => /^after-restart-\w+ 0$/.test(m))).toBe(true)
      })
    }

    it('--request returns exactly the lines of one invocation, also among concurrent calls on one instance', async () => {
      const { agent } = suite
      await agent.call('talk', '/?say=warm-up')
      const calls = await Promise.all(Array.from({ length: 8 }, (_, i) => agent.call('talk', `/?say=${unique(`c${i}`)}&n=5`)))
      const instances = new Set<string>()
      for (const call of calls) {
        const { word } = call.json()
        const requestId = call.headers['x-request-id'] as string
        const read = () => agent.cli(['logs', 'talk', '--request', requestId, '--json'])
        const entriesOf = (out: string) => out.split('\n').filter(Boolean).map(line => JSON.parse(line))
        const result = await eventually(read, r => entriesOf(r.stdout).length >= 6)
        expect(result.code, result.output).toBe(0)
        const entries = entriesOf(result.stdout)
        expect(entries.filter(e => e.type === 'output').map(e => e.message)).toEqual([0, 1, 2, 3, 4].map(i => `${word} ${i}`))
        expect(entries.filter(e => e.type === 'invocation')).toEqual([expect.objectContaining({ requestId, status: 200, method: 'GET' })])
        expect(entries.every(e => e.requestId === requestId)).toBe(true)
        for (const e of entries.filter(e => e.type === 'output')) instances.add(e.instance)
        // the first 8 characters, as the terminal shows them, find the same lines
        const short = await agent.cli(['logs', 'talk', '--request', requestId.slice(0, 8), '--json'])
        expect(short.stdout).toBe(result.stdout)
      }
      // concurrency 50: the calls shared one instance (so attribution, not instances, told them apart)
      expect(instances.size).toBe(1)
    })

    it('errors point at the request\'s lines with its real id, and every gateway answer carries X-Request-Id', async () => {
      const { agent } = suite
      const crash = await agent.call('talk', '/crash?say=boom')
      expect(crash.status).toBe(502)
      const requestId = crash.headers['x-request-id'] as string
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
      expect(crash.json().error.hint).toContain(`lambda logs talk --request ${requestId}`)
      // the uncaught exception is among that request's lines
      const lines = await eventually(() => agent.cli(['logs', 'talk', '--request', requestId]), r => r.stdout.includes('FUNCTION_CRASHED') && r.stdout.includes('Uncaught exception'))
      expect(lines.stdout).toContain('Uncaught exception: Error: kaboom from boom')
      expect(lines.stdout).toMatch(/GET \/crash\?say=boom 502 .*FUNCTION_CRASHED/)

      const timeout = await agent.call('spin')
      expect(timeout.status).toBe(504)
      expect(timeout.json().error.hint).toContain(`lambda logs spin --request ${timeout.headers['x-request-id']}`)
      const spun = await eventually(() => agent.cli(['logs', 'spin', '--request', timeout.headers['x-request-id'] as string]), r => r.stdout.includes('spinning'))
      expect(spun.stdout).toContain('spinning')

      for (const [what, res] of [
        ['success', await agent.call('talk')],
        ['crash', crash],
        ['timeout', timeout],
        ['no such function', await agent.call('nope')],
        ['key required', await agent.call('private')],
        ['no such version', await agent.call('v9.talk')],
        ['unknown host', await agent.call('talk', '/', { host: `elsewhere.example:${agent.port}` })],
        ['lambda invoke', await agent.admin('/functions/talk/invoke/')],
      ] as const) {
        expect(res.headers['x-request-id'], `${what}: ${res.status}`).toMatch(/^[0-9a-f-]{36}$/)
      }
    })
  })
}
