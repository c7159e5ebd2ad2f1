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
    expect(pool.stats()).toEqual({ instances: 1, ready: 1, paused: 0, inflight: 3 })
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
