import type { AgentProcess } from '../helpers/agent'
import { request as httpRequest } from 'node:http'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { parsePrometheus, sampleOf } from '../helpers/prometheus'

// Logs each start with the requests it runs at once (its module state), then sleeps `ms`.
const counter = `let running = 0
export default async (request: Request) => {
  const url = new URL(request.url)
  running++
  console.log('start ' + (url.searchParams.get('tag') ?? '-') + ' running=' + running)
  await new Promise(resolve => setTimeout(resolve, Number(url.searchParams.get('ms') ?? 0)))
  running--
  return { ok: true }
}
`

const overloadProject = () => createProject({
  'lambda.config.ts': `export default { functions: {
  single: { concurrency: 1, maxInstances: 1, timeout: 1, queue: { maxWait: 1 }, idle: { pauseAfter: false } },
  bounded: { concurrency: 1, maxInstances: 1, timeout: 5, queue: { maxWaiting: 3 }, idle: { pauseAfter: false } },
} }
`,
  'functions/single/index.ts': counter,
  'functions/bounded/index.ts': counter,
})

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

/** What `fn` logged, one `{ tag, running }` per request it started. */
async function startsOf(agent: AgentProcess, fn: string): Promise<Array<{ tag: string, running: number }>> {
  const result = await agent.cli(['logs', fn, '--json', '--tail', '10000'])
  expect(result.code, result.output).toBe(0)
  return result.stdout.split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line)).filter(entry => entry.type === 'output' && entry.message.startsWith('start ')).map((entry) => {
    const [, tag, running] = /^start (\S+) running=(\d+)/.exec(entry.message)!
    return { tag: tag!, running: Number(running) }
  })
}

/** A call the client gives up on after `ms`, without waiting for any answer. */
function abandonedCall(agent: AgentProcess, fn: string, path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: agent.port, path, headers: { host: `${fn}.${agent.domain}` }, agent: false })
    req.on('error', () => resolve())
    req.on('response', res => res.resume())
    req.end()
    setTimeout(() => {
      req.destroy()
      resolve()
    }, ms)
  })
}

describe('overload: concurrency is a promise to the function, and a request nobody waits for never starts', () => {
  const suite = useAgent({ provider: 'process' }, overloadProject, async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('a request that times out keeps its slot until its handler settled: the one behind it never runs beside it, and one whose deadline passed in the queue never starts', async () => {
    const { agent } = suite
    // Warm, with short calls: the queue's drain rate says a slot frees up fast.
    for (let i = 0; i < 5; i++) expect((await agent.call('single', '/?tag=warm')).status).toBe(200)
    // first runs 0.9 s; second gets the slot at ~0.9 s, times out at 1 s and keeps running to ~1.8 s;
    // third, sent at 0.5 s, may wait to 1.5 s: the slot is not free before then, so it never starts.
    const first = agent.call('single', '/?tag=first&ms=900')
    await sleep(20)
    const second = agent.call('single', '/?tag=second&ms=900')
    await sleep(480)
    const third = agent.call('single', '/?tag=third&ms=900')
    const answers = await Promise.all([first, second, third])
    expect(answers.map(answer => answer.status), answers.map(answer => answer.text).join('\n')).toEqual([200, 504, 504])
    expect(answers[2]!.json().error.code).toBe('FUNCTION_TIMEOUT')
    // Whatever would have started late has had the time to log.
    await sleep(1500)
    const starts = (await startsOf(agent, 'single')).filter(start => start.tag !== 'warm')
    expect(starts.map(start => start.tag)).toEqual(['first', 'second'])
    expect(Math.max(...starts.map(start => start.running))).toBe(1)
  })

  it('a client that leaves while its request is queued takes it out of the queue: the function never sees it', async () => {
    const { agent } = suite
    const busy = agent.call('bounded', '/?tag=busy&ms=1500')
    await sleep(200)
    await abandonedCall(agent, 'bounded', '/?tag=gone', 300)
    expect((await busy).status).toBe(200)
    expect((await agent.call('bounded', '/?tag=after')).status).toBe(200)
    const tags = (await startsOf(agent, 'bounded')).map(start => start.tag)
    expect(tags).toContain('after')
    expect(tags).not.toContain('gone')
  })

  it('past the queue\'s bound, callers get 429 at once with Retry-After and a request id; those let in are all answered; metrics count the queue', async () => {
    const { agent } = suite
    const answers = await Promise.all(Array.from({ length: 12 }, () => agent.call('bounded', '/?tag=burst&ms=200', { timeoutMs: 20_000 })))
    const refused = answers.filter(answer => answer.status === 429)
    const served = answers.filter(answer => answer.status === 200)
    expect(served.length + refused.length, answers.map(answer => `${answer.status} ${answer.text}`).join('\n')).toBe(12)
    // One running and three waiting at most: at least the other eight are refused.
    expect(refused.length).toBeGreaterThanOrEqual(8)
    for (const answer of refused) {
      // Full, or (after the 1.5 s call above) expected to wait past half the timeout: both are a 429.
      expect(['QUEUE_FULL', 'FUNCTION_THROTTLED']).toContain(answer.json().error.code)
      expect(answer.json().error.hint).toContain('Retry-After')
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(answer.headers['x-request-id']).toBeTruthy()
    }
    const res = await agent.admin('/metrics')
    expect(res.status, res.text).toBe(200)
    const metrics = await parsePrometheus(res.text)
    expect(sampleOf(metrics, 'mini_lambda_queue_shed', { function: 'bounded' })).toBeGreaterThanOrEqual(refused.length)
    expect(sampleOf(metrics, 'mini_lambda_queue_length', { function: 'bounded' })).toBe(0)
    const json = await agent.cli(['metrics', 'bounded', '--json'])
    expect(json.code, json.output).toBe(0)
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('queue_shed')
  })
})
