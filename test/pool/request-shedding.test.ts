import type { RuntimeLink } from '../../src/instances/runtime-link'
import type { Instance, InstanceExit } from '../../src/instances/types'
import type { PoolOptions } from '../../src/pool/instance-pool'
import { Agent } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { InstancePool } from '../../src/pool/instance-pool'

/** An instance that is ready at once and ends when the test says. */
function readyInstance(id: string): Instance {
  let markExited!: (exit: InstanceExit) => void
  const exited = new Promise<InstanceExit>(resolve => (markExited = resolve))
  return {
    id,
    link: { agent: new Agent(), whenDone: () => undefined } as unknown as RuntimeLink,
    ready: Promise.resolve(),
    exited,
    async stop() {
      markExited({ code: 0, signal: 'SIGTERM' })
    },
    async kill() {
      markExited({ code: null, signal: 'SIGKILL' })
    },
  }
}

const pools: InstancePool[] = []
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close()
})

function poolOf(options: Partial<PoolOptions> = {}) {
  let started = 0
  const shed: string[] = []
  const pool = new InstancePool({
    name: 'fn',
    version: '1',
    concurrency: 1,
    minInstances: 0,
    maxInstances: 1,
    idleTimeoutMs: 0,
    queueTimeoutMs: 10_000,
    launch: () => readyInstance(`i${++started}`),
    onEvent: event => event.type === 'shed' && shed.push(event.reason),
    ...options,
  })
  pools.push(pool)
  return { pool, shed }
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: { code: string, status: number, data?: Record<string, unknown> }) => error)

describe('a full queue turns requests away at once instead of letting them time out', () => {
  it('past maxWaiting, a caller who can retry gets 429 QUEUE_FULL with a Retry-After; the waiting ones keep their turn', async () => {
    const { pool, shed } = poolOf({ maxWaiting: 2 })
    const first = await pool.acquire({ shed: true })
    const waiting = [pool.acquire({ shed: true }), pool.acquire({ shed: true })]
    const refused = await errorOf(pool.acquire({ shed: true }))
    expect(refused).toMatchObject({ code: 'QUEUE_FULL', status: 429 })
    expect(refused!.data!.retryAfter).toBeGreaterThanOrEqual(1)
    expect(shed).toEqual(['queue-full'])
    first.release()
    const second = await waiting[0]!
    second.release()
    ;(await waiting[1]!).release()
  })

  it('an async call or a schedule run (no shed) waits its turn past the bound, as AWS queues async events', async () => {
    const { pool } = poolOf({ maxWaiting: 1 })
    const first = await pool.acquire({ shed: true })
    const queued = [pool.acquire(), pool.acquire(), pool.acquire()]
    expect(pool.stats().queued).toBe(3)
    first.release()
    for (const next of queued) (await next).release()
  })

  it('once the drain rate is known, a request expected to wait past maxWait gets 429 FUNCTION_THROTTLED', async () => {
    const { pool } = poolOf({ maxWaitMs: 50 })
    // One slot held 100 ms: each request ahead costs ~100 ms of wait.
    const warm = await pool.acquire()
    await new Promise(r => setTimeout(r, 100))
    warm.release()
    const busy = await pool.acquire({ shed: true })
    const refused = await errorOf(pool.acquire({ shed: true }))
    expect(refused).toMatchObject({ code: 'FUNCTION_THROTTLED', status: 429 })
    busy.release()
  })

  it('a request whose client left leaves the queue and is never handed a slot', async () => {
    const { pool, shed } = poolOf()
    const busy = await pool.acquire({ shed: true })
    const left = new AbortController()
    const gone = errorOf(pool.acquire({ shed: true, signal: left.signal }))
    const next = pool.acquire({ shed: true })
    left.abort()
    expect(await gone).toMatchObject({ code: 'CLIENT_CLOSED' })
    expect(pool.stats().queued).toBe(1)
    busy.release()
    // The slot goes to the request behind it.
    ;(await next).release()
    expect(shed).toEqual(['abandoned'])
  })

  it('a request whose deadline passed while queued leaves the queue unstarted', async () => {
    const { pool } = poolOf()
    const busy = await pool.acquire({ shed: true })
    const late = await errorOf(pool.acquire({ deadline: Date.now() + 20 }))
    expect(late).toMatchObject({ code: 'FUNCTION_TIMEOUT', status: 504 })
    expect(pool.stats().queued).toBe(0)
    busy.release()
    expect(pool.stats().inflight).toBe(0)
  })
})
