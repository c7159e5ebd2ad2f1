import type { RuntimeLink } from '../../src/instances/runtime-link'
import type { Instance, InstanceExit } from '../../src/instances/types'
import type { PoolEvent, PoolOptions } from '../../src/pool/instance-pool'
import { Agent } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { idlePolicyFor } from '../../src/pool/idle-policy'
import { InstancePool } from '../../src/pool/instance-pool'

/** A step the test lets finish when it decides. */
function deferred() {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** An instance that records what it was told, in order; its pauses and resumes finish when the test says. */
interface FreezableInstance extends Instance {
  calls: string[]
  frozen: boolean
  /** Set to hold the next pause (or resume) until the test settles it. */
  holdPause?: ReturnType<typeof deferred>
  holdResume?: ReturnType<typeof deferred>
}

function freezableInstance(id: string): FreezableInstance {
  let markExited!: (exit: InstanceExit) => void
  const exited = new Promise<InstanceExit>(resolve => (markExited = resolve))
  const instance: FreezableInstance = {
    id,
    link: { agent: new Agent() } as unknown as RuntimeLink,
    ready: Promise.resolve(),
    exited,
    calls: [],
    frozen: false,
    async stop() {
      instance.calls.push(instance.frozen ? 'stop(frozen)' : 'stop')
      markExited({ code: 0, signal: 'SIGTERM' })
    },
    async kill() {
      instance.calls.push('kill')
      markExited({ code: null, signal: 'SIGKILL' })
    },
    async pause() {
      instance.calls.push('pause')
      const hold = instance.holdPause
      instance.holdPause = undefined
      if (hold) await hold.promise
      instance.frozen = true
    },
    async resume() {
      instance.calls.push('resume')
      const hold = instance.holdResume
      instance.holdResume = undefined
      if (hold) await hold.promise
      instance.frozen = false
    },
  }
  return instance
}

const pools: InstancePool[] = []
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close()
})

function poolOf(options: Partial<PoolOptions> = {}) {
  const launched: FreezableInstance[] = []
  const events: PoolEvent[] = []
  const pool = new InstancePool({
    name: 'fn',
    version: '1',
    concurrency: 2,
    minInstances: 0,
    maxInstances: 2,
    idleTimeoutMs: 0,
    pauseAfterMs: 60,
    launch: () => {
      const instance = freezableInstance(`i${launched.length + 1}`)
      launched.push(instance)
      return instance
    },
    onEvent: event => events.push(event),
    ...options,
  })
  pools.push(pool)
  return { pool, launched, events }
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 10))
  }
}

/** Serves one request and lets the instance go idle. */
async function serveOnce(pool: InstancePool) {
  const lease = await pool.acquire()
  lease.release()
  return lease
}

describe('instancePool: idle instances are paused, and resumed by the next request', () => {
  it('an idle instance is paused after pauseAfter; the next request resumes that same instance, not a new one', async () => {
    const { pool, launched, events } = poolOf()
    await serveOnce(pool)
    await until('the pause', () => launched[0]!.frozen)
    expect(pool.stats()).toMatchObject({ instances: 1, ready: 0, paused: 1 })
    // A paused instance takes nothing on the fast path: a request must resume it first.
    expect(pool.tryAcquire()).toBeUndefined()

    const lease = await pool.acquire()
    expect(lease.pooled.instance).toBe(launched[0])
    expect(lease.coldStart).toBe(false)
    expect(launched[0]!.frozen).toBe(false)
    expect(launched).toHaveLength(1)
    expect(launched[0]!.calls).toEqual(['pause', 'resume'])
    expect(events.map(e => e.type)).toEqual(['start', 'ready', 'pause', 'resume'])
    lease.release()
  })

  it('requests arriving while the pause is under way wait for it, then share one resume', async () => {
    const { pool, launched } = poolOf()
    await serveOnce(pool)
    const instance = launched[0]!
    instance.holdPause = deferred()
    const pausing = instance.holdPause
    await until('the pause to begin', () => instance.calls.includes('pause'))

    const leases = [pool.acquire(), pool.acquire()]
    await new Promise(r => setTimeout(r, 20))
    // Nothing was resumed, nor written, while the freeze was still being applied.
    expect(instance.calls).toEqual(['pause'])
    pausing.resolve()
    const granted = await Promise.all(leases)
    expect(granted.map(l => l.pooled.instance)).toEqual([instance, instance])
    expect(instance.calls).toEqual(['pause', 'resume'])
    expect(instance.frozen).toBe(false)
    expect(launched).toHaveLength(1)
    for (const lease of granted) lease.release()
  })

  it('requests beyond the paused instance\'s concurrency start another instance meanwhile', async () => {
    const { pool, launched } = poolOf({ concurrency: 1 })
    await serveOnce(pool)
    await until('the pause', () => launched[0]!.frozen)
    launched[0]!.holdResume = deferred()
    const first = pool.acquire()
    const second = pool.acquire()
    launched[0]!.holdResume.resolve()
    const granted = await Promise.all([first, second])
    expect(new Set(granted.map(l => l.pooled.instance.id))).toEqual(new Set(['i1', 'i2']))
    for (const lease of granted) lease.release()
  })

  it('an instance that cannot be resumed is replaced, and the request is served by a fresh one', async () => {
    const { pool, launched } = poolOf()
    await serveOnce(pool)
    await until('the pause', () => launched[0]!.frozen)
    launched[0]!.holdResume = deferred()
    const lease = pool.acquire()
    launched[0]!.holdResume.reject(new Error('the engine said no'))
    const granted = await lease
    expect(granted.pooled.instance.id).toBe('i2')
    expect(launched[0]!.calls).toContain('kill')
    granted.release()
  })

  it('a pause that fails leaves the instance serving, and is tried again only after another pauseAfter', async () => {
    const { pool, launched } = poolOf({ pauseAfterMs: 100 })
    await serveOnce(pool)
    const instance = launched[0]!
    instance.holdPause = deferred()
    const failing = instance.holdPause
    await until('the pause to begin', () => instance.calls.includes('pause'))
    failing.reject(new Error('the engine said no'))
    await until('the instance to serve again', () => pool.stats().ready === 1)
    const lease = pool.tryAcquire()
    expect(lease?.pooled.instance).toBe(instance)
    lease!.release()
    expect(instance.calls).toEqual(['pause'])
    await until('the second pause', () => instance.frozen)
    expect(instance.calls).toEqual(['pause', 'pause'])
  })

  it('a paused instance idle past stopAfter is stopped (the provider thaws it as it stops), down to minInstances', async () => {
    const { pool, launched } = poolOf({ pauseAfterMs: 30, idleTimeoutMs: 200, maxInstances: 2 })
    const leases = [await pool.acquire(), await pool.acquire(), await pool.acquire()]
    for (const lease of leases) lease.release()
    await until('both to stop', () => pool.stats().instances === 0)
    for (const instance of launched) expect(instance.calls).toEqual(['pause', 'stop(frozen)'])
  })

  it('instances kept by minInstances are paused when idle, never stopped', async () => {
    const { pool, launched } = poolOf({ pauseAfterMs: 30, idleTimeoutMs: 100, minInstances: 1 })
    await pool.warm()
    await until('the pause', () => launched[0]?.frozen === true)
    await new Promise(r => setTimeout(r, 300))
    expect(pool.stats()).toMatchObject({ instances: 1, paused: 1 })
    expect(launched[0]!.calls).toEqual(['pause'])
  })

  it('drain and close end paused instances too', async () => {
    const { pool, launched } = poolOf()
    await serveOnce(pool)
    await until('the pause', () => launched[0]!.frozen)
    await pool.drain(1000)
    expect(launched[0]!.calls).toEqual(['pause', 'stop(frozen)'])
  })

  it('without pauseAfter nothing is paused', async () => {
    const { pool, launched } = poolOf({ pauseAfterMs: 0, idleTimeoutMs: 0 })
    await serveOnce(pool)
    await new Promise(r => setTimeout(r, 200))
    expect(launched[0]!.calls).toEqual([])
    expect(pool.stats().ready).toBe(1)
  })
})

describe('idlePolicyFor: a function\'s idle settings on this agent', () => {
  it('stopAfter left out is the agent\'s --idle-timeout; false is never', () => {
    expect(idlePolicyFor({ pauseAfter: 10 }, 300_000)).toEqual({ pauseAfterMs: 10_000, stopAfterMs: 300_000 })
    expect(idlePolicyFor({ pauseAfter: 0.5, stopAfter: 60 }, 300_000)).toEqual({ pauseAfterMs: 500, stopAfterMs: 60_000 })
    expect(idlePolicyFor({ pauseAfter: 10, stopAfter: false }, 300_000)).toEqual({ pauseAfterMs: 10_000, stopAfterMs: 0 })
    expect(idlePolicyFor({ pauseAfter: false }, 300_000)).toEqual({ pauseAfterMs: 0, stopAfterMs: 300_000 })
  })

  it('a pause that would come at or after the stop never happens (e.g. --idle-timeout 2 with the default pause)', () => {
    expect(idlePolicyFor({ pauseAfter: 10 }, 2000)).toEqual({ pauseAfterMs: 0, stopAfterMs: 2000 })
  })

  it('a version deployed before `idle` existed gets the defaults', () => {
    expect(idlePolicyFor(undefined, 300_000)).toEqual({ pauseAfterMs: 10_000, stopAfterMs: 300_000 })
  })
})
