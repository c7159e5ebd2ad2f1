import type { AgentProcess } from '../helpers/agent'
import type { HttpResult } from '../helpers/http'
import { expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'

const BURST = 60
const CONCURRENCY = 2
const MAX_INSTANCES = 3
/** `narrow`'s timeout: one slot, so a burst at it must queue past this. */
const NARROW_TIMEOUT_MS = 2000

// Each instance names itself, prints one line when it loads (the logs count the starts) and answers with
// the most requests it ever ran at once.
const worker = `const instance = Math.random().toString(36).slice(2)
console.log('booted ' + instance)
let running = 0
let peak = 0
export default async () => {
  peak = Math.max(peak, ++running)
  await new Promise(resolve => setTimeout(resolve, 100))
  running--
  return { instance, peak }
}
`

const burstProject = () => createProject({
  'lambda.config.ts': `export default { functions: {
  burst: { concurrency: ${CONCURRENCY}, maxInstances: ${MAX_INSTANCES} },
  narrow: { concurrency: 1, maxInstances: 1, timeout: ${NARROW_TIMEOUT_MS / 1000} },
} }
`,
  'functions/burst/index.ts': worker,
  'functions/narrow/index.ts': worker,
})

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

async function instancesOf(agent: AgentProcess, fn: string): Promise<number> {
  return (await agent.admin(`/functions/${fn}`)).json().instances
}

/** Instances of `fn` that ever loaded, from their `booted` line in `lambda logs`. */
async function startsOf(agent: AgentProcess, fn: string): Promise<Set<string>> {
  const result = await agent.cli(['logs', fn, '--json', '--tail', '10000'])
  expect(result.code, result.output).toBe(0)
  const booted = result.stdout.split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line)).filter(entry => entry.type === 'output' && entry.message.startsWith('booted'))
  return new Set(booted.map(entry => entry.instance as string))
}

/** `count` requests sent at once, each on its own connection, with how long each took. */
function burstAt(agent: AgentProcess, fn: string, count: number): Promise<Array<HttpResult & { ms: number }>> {
  return Promise.all(Array.from({ length: count }, async () => {
    const sent = performance.now()
    const result = await agent.call(fn, '/', { timeoutMs: 60_000 })
    return { ...result, ms: performance.now() - sent }
  }))
}

/**
 * A burst on a function scaled to zero, told the same way for every provider: every request is
 * answered, instances start as concurrency demands and never past maxInstances, and past capacity
 * requests queue up to the queue's bound, and the rest are turned away with 429.
 */
export function burstStory(provider: 'process' | 'docker') {
  // Idle instances stop after a second: the burst finds the function scaled to zero.
  const suite = useAgent({ provider, idleTimeout: 1 }, burstProject, async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it(`${BURST} requests at once to a function scaled to zero: all answered, by at most maxInstances instances of at most concurrency each`, async () => {
    const { agent } = suite
    while (await instancesOf(agent, 'burst') > 0) await sleep(100)
    // The deploy started one to check it serves; only starts after this count.
    const before = await startsOf(agent, 'burst')

    const answers = await burstAt(agent, 'burst', BURST)

    const statuses = answers.map(answer => answer.status)
    expect(statuses.filter(status => status !== 200), JSON.stringify(answers.filter(a => a.status !== 200).map(a => a.text))).toEqual([])
    const bodies = answers.map(answer => answer.json<{ instance: string, peak: number }>())
    const answeredBy = new Set(bodies.map(body => body.instance))
    expect(answeredBy.size).toBeGreaterThanOrEqual(1)
    expect(answeredBy.size).toBeLessThanOrEqual(MAX_INSTANCES)
    expect(Math.max(...bodies.map(body => body.peak))).toBeLessThanOrEqual(CONCURRENCY)
    const started = [...await startsOf(agent, 'burst')].filter(instance => !before.has(instance))
    expect(started.length).toBeGreaterThanOrEqual(answeredBy.size)
    expect(started.length).toBeLessThanOrEqual(MAX_INSTANCES)
    const ms = answers.map(answer => answer.ms).sort((a, b) => a - b)
    console.log(`[${provider}] burst of ${BURST} at concurrency ${CONCURRENCY} × maxInstances ${MAX_INSTANCES}: ${started.length} instances started, p50 ${ms[BURST / 2]!.toFixed(0)} ms, slowest ${ms.at(-1)!.toFixed(0)} ms`)
  })

  it('past capacity with a short timeout: requests that cannot start in time get 429 with Retry-After at once, the rest are answered, and the instance stays', async () => {
    const { agent } = suite
    // Warm first: the timeout is short, and a cold start on a busy machine may take most of it.
    for (let tries = 0; (await agent.call('narrow')).status !== 200; tries++) expect(tries).toBeLessThan(10)
    const before = await startsOf(agent, 'narrow')

    const answers = await burstAt(agent, 'narrow', 50)

    const answered = answers.filter(answer => answer.status === 200)
    const refused = answers.filter(answer => answer.status === 429)
    const timedOut = answers.filter(answer => answer.status === 504)
    expect(answered.length + refused.length + timedOut.length, JSON.stringify(answers.map(a => [a.status, a.text]))).toBe(answers.length)
    expect(answered.length).toBeGreaterThanOrEqual(1)
    // One slot of 100 ms cannot answer 50 requests within two seconds: the queue turns the rest away.
    expect(refused.length).toBeGreaterThanOrEqual(1)
    for (const answer of refused) {
      expect(['QUEUE_FULL', 'FUNCTION_THROTTLED']).toContain(answer.json().error.code)
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    }
    // Those let in were expected to start in time; one that still waited past its deadline never started.
    for (const answer of timedOut) expect(answer.json().error.code).toBe('FUNCTION_TIMEOUT')
    // The requests spent their time waiting, not on the instance: it is not stuck, so it is not replaced.
    const started = [...await startsOf(agent, 'narrow')].filter(instance => !before.has(instance))
    expect(started).toEqual([])
    console.log(`[${provider}] 50 at once to concurrency 1 × maxInstances 1 with a ${NARROW_TIMEOUT_MS} ms timeout: ${answered.length} answered, ${refused.length} × 429, ${timedOut.length} × 504`)
  })
}
