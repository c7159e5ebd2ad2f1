import type { RuntimeLink } from '../../src/instances/runtime-link'
import type { Instance, InstanceExit } from '../../src/instances/types'
import type { PoolOptions } from '../../src/pool/instance-pool'
import { Agent } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { InstancePool } from '../../src/pool/instance-pool'

/** An instance whose start and end the test decides. */
interface FakeInstance extends Instance {
  start: () => void
  fail: (error: Error) => void
  end: (exit?: Partial<InstanceExit>) => void
  stopped: boolean
}

function fakeInstance(id: string): FakeInstance {
  let markReady!: () => void
  let markFailed!: (error: Error) => void
  let markExited!: (exit: InstanceExit) => void
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve
    markFailed = reject
  })
  ready.catch(() => {})
  const exited = new Promise<InstanceExit>(resolve => (markExited = resolve))
  const instance: FakeInstance = {
    id,
    link: { agent: new Agent() } as unknown as RuntimeLink,
    ready,
    exited,
    stopped: false,
    start: () => markReady(),
    fail: (error) => {
      markFailed(error)
      markExited({ code: 1, signal: null })
    },
    end: exit => markExited({ code: 0, signal: null, ...exit }),
    async stop() {
      instance.stopped = true
      markExited({ code: 0, signal: 'SIGTERM' })
    },
    async kill() {
      instance.stopped = true
      markExited({ code: null, signal: 'SIGKILL' })
    },
  }
  return instance
}

const pools: InstancePool[] = []
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close()
})

function poolOf(options: Partial<PoolOptions> = {}) {
  const launched: FakeInstance[] = []
  const pool = new InstancePool({
    name: 'fn',
    version: '1',
    concurrency: 2,
    minInstances: 0,
    maxInstances: 2,
    idleTimeoutMs: 0,
    launch: () => {
      const instance = fakeInstance(`i${launched.length + 1}`)
      launched.push(instance)
      return instance
    },
    ...options,
  })
  pools.push(pool)
  return { pool, launched }
}

const tick = () => new Promise(r => setImmediate(r))

describe('instancePool: instances of one function version', () => {
  it('requests that arrive during a cold start share that one start, up to concurrency', async () => {
    const { pool, launched } = poolOf({ concurrency: 3, maxInstances: 5 })
    const leases = [pool.acquire(), pool.acquire(), pool.acquire()]
    await tick()
    expect(launched).toHaveLength(1)
    launched[0]!.start()
    const granted = await Promise.all(leases)
    expect(granted.every(lease => lease.coldStart && lease.pooled.instance.id === 'i1')).toBe(true)
    expect(pool.stats()).toEqual({ instances: 1, ready: 1, paused: 0, inflight: 3, queued: 0 })
  })

  it('scales out past concurrency, never past maxInstances: the next request waits for a free slot', async () => {
    const { pool, launched } = poolOf({ concurrency: 1, maxInstances: 2 })
    const first = pool.acquire()
    const second = pool.acquire()
    await tick()
    expect(launched).toHaveLength(2)
    launched.forEach(instance => instance.start())
    const [a, b] = await Promise.all([first, second])
    let third: { release: () => void } | undefined
    const waiting = pool.acquire().then(lease => (third = lease))
    await tick()
    expect(launched).toHaveLength(2)
    expect(third).toBeUndefined()
    a.release()
    await waiting
    expect(third).toBeDefined()
    b.release()
  })

  it('tryAcquire gives the least busy ready instance without waiting, or nothing', async () => {
    const { pool, launched } = poolOf({ concurrency: 2 })
    expect(pool.tryAcquire()).toBeUndefined()
    const lease = pool.acquire()
    await tick()
    launched[0]!.start()
    await lease
    expect(pool.tryAcquire()?.coldStart).toBe(false)
    expect(pool.tryAcquire()).toBeUndefined()
  })

  it('a start that fails rejects its waiters, and the next request starts afresh', async () => {
    const { pool, launched } = poolOf()
    const lease = pool.acquire()
    await tick()
    launched[0]!.fail(new Error('cannot load'))
    await expect(lease).rejects.toThrow('cannot load')
    const again = pool.acquire()
    await tick()
    expect(launched).toHaveLength(2)
    launched[1]!.start()
    expect((await again).pooled.instance.id).toBe('i2')
  })

  it('a retired (stuck) instance is killed and no longer gets requests', async () => {
    const { pool, launched } = poolOf({ concurrency: 5 })
    const lease = pool.acquire()
    await tick()
    launched[0]!.start()
    const granted = await lease
    pool.retire(granted.pooled, 'timeout')
    expect(launched[0]!.stopped).toBe(true)
    expect(granted.pooled.retiredFor).toBe('timeout')
    expect(pool.tryAcquire()).toBeUndefined()
  })

  it('keeps minInstances running and replaces one that dies after serving', async () => {
    const { pool, launched } = poolOf({ minInstances: 1 })
    const warming = pool.warm()
    await tick()
    launched[0]!.start()
    await warming
    launched[0]!.end({ code: 1 })
    await tick()
    await tick()
    expect(launched).toHaveLength(2)
  })

  it('stops instances idle past idleTimeout (scale to zero), keeping minInstances', async () => {
    const { pool, launched } = poolOf({ idleTimeoutMs: 60 })
    const lease = pool.acquire()
    await tick()
    launched[0]!.start()
    ;(await lease).release()
    await new Promise(r => setTimeout(r, 300))
    expect(launched[0]!.stopped).toBe(true)
    expect(pool.stats().instances).toBe(0)
  })

  it('drain lets requests in flight finish, then stops everything, and refuses new ones', async () => {
    const { pool, launched } = poolOf()
    const lease = pool.acquire()
    await tick()
    launched[0]!.start()
    const granted = await lease
    const drained = pool.drain(5000)
    await tick()
    expect(launched[0]!.stopped).toBe(false)
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'VERSION_RETIRED' })
    granted.release()
    await drained
    expect(launched[0]!.stopped).toBe(true)
  })
})

describe('instancePool under a burst', () => {
  it('starts only as many instances as the queue needs (concurrency each), a few at a time', async () => {
    const { pool, launched } = poolOf({ concurrency: 2, maxInstances: 10, maxConcurrentStarts: 2 })
    const leases = Array.from({ length: 7 }, () => pool.acquire())
    await tick()
    // 7 waiting need 4 instances, but only 2 start at once: the first ready one may serve them all.
    expect(launched).toHaveLength(2)
    expect(pool.stats()).toMatchObject({ instances: 2, queued: 7 })
    launched[0]!.start()
    await tick()
    // i1 took 2; 5 wait, i2 will take 2: one more start.
    expect(launched).toHaveLength(3)
    launched[1]!.start()
    launched[2]!.start()
    await tick()
    // i2 and i3 took 2 each; the fourth start was made when i2 was ready and 3 still waited.
    expect(pool.stats()).toMatchObject({ ready: 3, inflight: 6, queued: 1 })
    expect(launched).toHaveLength(4)
    launched[3]!.start()
    const granted = await Promise.all(leases)
    expect(granted.every(lease => lease.coldStart)).toBe(true)
    expect(pool.stats()).toMatchObject({ instances: 4, inflight: 7, queued: 0 })
  })

  it('never starts more than maxInstances; the rest wait and are served first come, first served', async () => {
    const { pool, launched } = poolOf({ concurrency: 1, maxInstances: 2 })
    const order: number[] = []
    const leases = Array.from({ length: 6 }, (_, i) => pool.acquire().then((lease) => {
      order.push(i)
      return lease
    }))
    await tick()
    launched.forEach(instance => instance.start())
    await tick()
    expect(launched).toHaveLength(2)
    expect(order).toEqual([0, 1])
    const late = pool.acquire().then((lease) => {
      order.push(6)
      return lease
    })
    for (let served = 2; served < 7; served++) {
      const lease = await leases[order.at(-1)!] ?? await late
      lease.release()
      // The freed slot went to the queue at once: a newcomer on the fast path cannot take it.
      expect(pool.tryAcquire()).toBeUndefined()
      await tick()
    }
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(launched).toHaveLength(2)
    ;(await late).release()
  })

  it('a request waits for whichever instance is ready first, not the one its arrival started', async () => {
    const { pool, launched } = poolOf({ concurrency: 1, maxInstances: 2 })
    const first = pool.acquire()
    const second = pool.acquire()
    await tick()
    launched[1]!.start()
    expect((await first).pooled.instance.id).toBe('i2')
    launched[0]!.start()
    expect((await second).pooled.instance.id).toBe('i1')
  })

  it('a start failing under load costs no request: the others serve its share', async () => {
    const { pool, launched } = poolOf({ concurrency: 2, maxInstances: 2 })
    const leases = Array.from({ length: 4 }, () => pool.acquire())
    await tick()
    expect(launched).toHaveLength(2)
    launched[0]!.start()
    launched[1]!.fail(new Error('docker did not answer'))
    await tick()
    await tick()
    // The version started before, so one more try is made for those still waiting.
    expect(launched).toHaveLength(3)
    launched[2]!.start()
    const granted = await Promise.all(leases)
    expect(new Set(granted.map(lease => lease.pooled.instance.id))).toEqual(new Set(['i1', 'i3']))
  })

  it('a function that cannot start is tried once for all waiting, not in a loop', async () => {
    const { pool, launched } = poolOf({ concurrency: 1, maxInstances: 5 })
    const leases = Array.from({ length: 5 }, () => pool.acquire())
    leases.forEach(lease => lease.catch(() => {}))
    await tick()
    expect(launched).toHaveLength(2)
    launched[0]!.fail(new Error('SyntaxError in index.ts'))
    await tick()
    await tick()
    expect(launched).toHaveLength(2)
    launched[1]!.fail(new Error('SyntaxError in index.ts'))
    for (const lease of leases) await expect(lease).rejects.toThrow('SyntaxError')
    expect(launched).toHaveLength(2)
    expect(pool.stats()).toMatchObject({ instances: 0, queued: 0 })
  })

  it('a request that waits past queueTimeoutMs gets a 504 and leaves the queue; the next one gets the slot', async () => {
    const { pool, launched } = poolOf({ concurrency: 1, maxInstances: 1, queueTimeoutMs: 50 })
    const first = pool.acquire()
    await tick()
    launched[0]!.start()
    const held = await first
    const expired = pool.acquire()
    await expect(expired).rejects.toMatchObject({ code: 'FUNCTION_TIMEOUT', status: 504 })
    expect(pool.stats().queued).toBe(0)
    const next = pool.acquire()
    held.release()
    expect((await next).coldStart).toBe(false)
  })

  it('a request that spent its timeout in the queue does not get the instance killed; one stuck on it does', async () => {
    const { pool, launched } = poolOf({ concurrency: 2, maxInstances: 1, queueTimeoutMs: 100 })
    const first = pool.acquire()
    await tick()
    launched[0]!.start()
    const running = await first
    // A request that just got its slot ran out of time waiting: the instance serves on.
    const late = pool.tryAcquire()!
    expect(pool.retire(late.pooled, 'timeout')).toBe(false)
    expect(launched[0]!.stopped).toBe(false)
    late.release()
    // One that has held its slot for half the timeout and more is taken as stuck.
    await new Promise(r => setTimeout(r, 80))
    expect(pool.retire(running.pooled, 'timeout')).toBe(true)
    expect(launched[0]!.stopped).toBe(true)
    expect(running.pooled.retiredFor).toBe('timeout')
  })

  it('draining refuses the queue with VERSION_RETIRED (the gateway retries on the new version)', async () => {
    const { pool, launched } = poolOf({ concurrency: 1, maxInstances: 1 })
    const first = pool.acquire()
    await tick()
    launched[0]!.start()
    const held = await first
    const waiting = pool.acquire()
    const drained = pool.drain(5000)
    await expect(waiting).rejects.toMatchObject({ code: 'VERSION_RETIRED' })
    held.release()
    await drained
  })
})
