import type { AgentProcess, AgentSuite } from '../helpers/agent'
import { expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'

/** What answered a call: the instance's own id, its module-level counter, and where to find it on the host. */
export interface CounterBody {
  count: number
  instance: string
  pid: number
  hostname: string
}

/** How a provider's instance looks from outside: asked of the OS or of Docker, never of the agent. */
export interface PausedHooks {
  isFrozen: (agent: AgentProcess, body: CounterBody) => boolean
  exists: (agent: AgentProcess, body: CounterBody) => boolean
}

// Module state survives a pause: the count goes on where it was.
const COUNTER = `import { hostname } from 'node:os'
const instance = Math.random().toString(36).slice(2)
let count = 0
export default () => ({ count: ++count, instance, pid: process.pid, hostname: hostname() })
`

const project = () => createProject({
  'functions/counter/index.ts': COUNTER,
  'functions/brief/index.ts': COUNTER,
  'functions/gone/index.ts': COUNTER,
  'lambda.config.ts': `export default {
  functions: {
    // The schedule fires once a year on its own: the test fires it with \`lambda schedule run\`.
    counter: { idle: { pauseAfter: '300ms' }, schedule: '0 0 1 1 *' },
    brief: { idle: { pauseAfter: '300ms', stopAfter: '4s' } },
    gone: { idle: { pauseAfter: '300ms' } },
  },
}
`,
})

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

export async function until<T>(what: string, probe: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await probe()
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`)
    await sleep(50)
    value = await probe()
  }
  return value
}

async function call(agent: AgentProcess, fn = 'counter'): Promise<CounterBody> {
  const res = await agent.call(fn)
  expect(res.status, res.text).toBe(200)
  return res.json<CounterBody>()
}

interface Listed { name: string, state: string, instances: number, paused: number, memoryBytes?: number, pausedMemoryBytes?: number }

async function listed(agent: AgentProcess, fn = 'counter'): Promise<Listed> {
  const result = await agent.cli(['list', '--json'])
  expect(result.code, result.output).toBe(0)
  return (JSON.parse(result.stdout) as Listed[]).find(f => f.name === fn)!
}

/** The same story for every provider: an idle instance pauses, the next call of any kind resumes it, with its state. */
export function pausedStory(provider: 'docker' | 'process', hooks: PausedHooks) {
  const suite: AgentSuite = useAgent({ provider }, project, async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('an idle instance is paused: frozen, still holding its memory, shown by lambda list', async () => {
    const first = await call(suite.agent)
    const paused = await until('the instance to pause', () => listed(suite.agent), f => f.paused === 1)
    expect(paused).toMatchObject({ state: 'paused', instances: 1, paused: 1 })
    // The agent counts it paused from the moment it asks; the engine may take a moment more.
    await until('the engine to report it frozen', () => hooks.isFrozen(suite.agent, first), frozen => frozen)
    // It keeps its memory: that is the price of a fast resume.
    expect(paused.pausedMemoryBytes).toBeGreaterThan(5 * 1024 * 1024)
    expect(paused.memoryBytes).toBe(paused.pausedMemoryBytes)
    console.log(`[paused] ${provider}: a paused instance holds ${(paused.pausedMemoryBytes! / 1048576).toFixed(1)} MB`)

    const metrics = await suite.agent.admin('/metrics')
    expect(metrics.text).toMatch(/^mini_lambda_paused_instances\{function="counter",version="1"\} 1$/m)
    expect(metrics.text).toMatch(/^mini_lambda_instances\{function="counter",version="1"\} 1$/m)

    const table = await suite.agent.cli(['list'])
    expect(table.stdout).toMatch(/INSTANCES\s+MEMORY/)
    expect(table.stdout).toMatch(/counter\s.*\s1 \(1 paused\)\s+[\d.]+ MB \([\d.]+ MB paused\)/)
  })

  it('the next request resumes that same instance, its module state intact', async () => {
    const before = await until('the instance to pause', () => listed(suite.agent), f => f.paused === 1)
    expect(before.instances).toBe(1)
    // It answered, so it ran: asking Docker now would race the next pause, 300 ms away.
    const frozenOne = await call(suite.agent)
    await until('the instance to pause again', () => listed(suite.agent), f => f.paused === 1)
    const resumed = await call(suite.agent)
    expect(resumed.instance).toBe(frozenOne.instance)
    expect(resumed.count).toBe(frozenOne.count + 1)
  })

  it('concurrent requests to a paused instance share one resume and are all served by it', async () => {
    const start = await until('the instance to pause', () => listed(suite.agent), f => f.paused === 1)
    expect(start.instances).toBe(1)
    const bodies = await Promise.all(Array.from({ length: 8 }, () => call(suite.agent)))
    expect(new Set(bodies.map(b => b.instance)).size).toBe(1)
    const counts = bodies.map(b => b.count).sort((a, b) => a - b)
    expect(counts.at(-1)! - counts[0]!).toBe(7)
  })

  it('requests arriving around the moment of the pause are all served, in order, by the one instance', async () => {
    // Gaps around pauseAfter (300 ms, checked every 75 ms): some requests meet a pause under way.
    let last = await call(suite.agent)
    for (const gap of [250, 280, 300, 320, 340, 360, 290, 310, 330, 270]) {
      await sleep(gap)
      const body = await call(suite.agent)
      expect(body.instance).toBe(last.instance)
      expect(body.count).toBe(last.count + 1)
      last = body
    }
  })

  it('an asynchronous call resumes it too', async () => {
    await until('the instance to pause', () => listed(suite.agent), f => f.paused === 1)
    const probe = await call(suite.agent)
    await until('the instance to pause again', () => listed(suite.agent), f => f.paused === 1)
    const accepted = await suite.agent.call('counter', '/', { method: 'POST', headers: { 'x-lambda-invocation-type': 'Event' } })
    expect(accepted.status, accepted.text).toBe(202)
    const { id } = accepted.json<{ id: string }>()
    const done = await until('the async call to finish', async () => (await suite.agent.admin(`/invocations/${id}`)).json<{ status: string }>(), r => r.status === 'succeeded' || r.status === 'failed')
    expect(done.status).toBe('succeeded')
    // The same instance counted it: the probe, the asynchronous call, then this one.
    const after = await call(suite.agent)
    expect(after.instance).toBe(probe.instance)
    expect(after.count).toBe(probe.count + 2)
  })

  it('a schedule run resumes it too', async () => {
    const { schedules } = JSON.parse((await suite.agent.cli(['schedules', '--json'])).stdout) as { schedules: Array<{ id: string, function: string }> }
    const { id } = schedules.find(s => s.function === 'counter')!
    const probe = await call(suite.agent)
    await until('the instance to pause', () => listed(suite.agent), f => f.paused === 1)
    const run = await suite.agent.cli(['schedule', 'run', id, '--json'])
    expect(run.code, run.output).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'ok', status: 200 })
    const after = await call(suite.agent)
    expect(after.instance).toBe(probe.instance)
    expect(after.count).toBe(probe.count + 2)
  })

  it('a paused instance idle past stopAfter is stopped', async () => {
    const body = await call(suite.agent, 'brief')
    await until('brief to pause', () => listed(suite.agent, 'brief'), f => f.paused === 1)
    await until('brief to stop', () => listed(suite.agent, 'brief'), f => f.instances === 0)
    await until('its instance to be gone', () => hooks.exists(suite.agent, body), exists => !exists)
    const next = await call(suite.agent, 'brief')
    expect(next.instance).not.toBe(body.instance)
    expect(next.count).toBe(1)
  })

  it(provider === 'docker'
    ? 'after a kill -9 of the agent, its next start adopts the paused container: thawed, it goes on counting'
    : 'after a kill -9 of the agent, its next start removes the paused instances and serves afresh', async () => {
    const body = await call(suite.agent)
    await until('the instance to pause', () => listed(suite.agent), f => f.paused === 1)
    await until('the engine to report it frozen', () => hooks.isFrozen(suite.agent, body), frozen => frozen)
    await suite.agent.process.stop('SIGKILL')
    // The frozen instance outlived its agent…
    expect(hooks.exists(suite.agent, body)).toBe(true)
    suite.agent = await suite.agent.restart()
    const next = await call(suite.agent)
    if (provider === 'docker') {
      // …and the new agent took it over (docs/agent.md, "Stopping and starting again").
      expect(next).toMatchObject({ instance: body.instance, count: body.count + 1 })
    }
    else {
      // …and the new agent ended it before it served.
      expect(hooks.exists(suite.agent, body)).toBe(false)
      expect(next.instance).not.toBe(body.instance)
      expect(next.count).toBe(1)
    }
  })

  it('a redeploy drains the old version\'s paused instance, and the new version serves', async () => {
    const body = await call(suite.agent, 'gone')
    await until('gone to pause', () => listed(suite.agent, 'gone'), f => f.paused === 1)
    suite.project.write('functions/gone/index.ts', COUNTER.replace('count: ++count', 'count: ++count, redeployed: true'))
    const deploy = await suite.agent.cli(['deploy', '--only', 'gone'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    await until('the old instance to be gone', () => hooks.exists(suite.agent, body), exists => !exists)
    const fresh = (await suite.agent.call('gone')).json<CounterBody & { redeployed?: boolean }>()
    expect(fresh).toMatchObject({ redeployed: true, count: 1 })
  })

  it('lambda delete ends a paused instance', async () => {
    const body = await call(suite.agent, 'gone')
    await until('gone to pause', () => listed(suite.agent, 'gone'), f => f.paused === 1)
    await until('the engine to report it frozen', () => hooks.isFrozen(suite.agent, body), frozen => frozen)
    const deleted = await suite.agent.cli(['delete', 'gone', '--yes'])
    expect(deleted.code, deleted.output).toBe(0)
    await until('its instance to be gone', () => hooks.exists(suite.agent, body), exists => !exists)
  })

  it('stopping the agent (SIGTERM) ends a paused instance', async () => {
    const body = await call(suite.agent)
    await until('the instance to pause', () => listed(suite.agent), f => f.paused === 1)
    await suite.agent.stop()
    await until('its instance to be gone', () => hooks.exists(suite.agent, body), exists => !exists)
  })
}
