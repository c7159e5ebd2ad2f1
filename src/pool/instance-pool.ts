import type { Agent } from 'node:http'
import type { Instance, InstanceExit } from '../instances/types'
import { LambdaError } from '../errors'
import { reapIntervalMs } from './idle-policy'
import { pauseInstance, resumeInstance } from './instance-freezer'

export interface PoolOptions {
  /** Function name, for errors and logs. */
  name: string
  version: string
  /** Requests one instance serves at once. */
  concurrency: number
  minInstances: number
  maxInstances: number
  /** An instance idle this long is stopped (scale to zero). 0 keeps instances forever. */
  idleTimeoutMs: number
  /** An instance idle this long is paused (see idle-policy.ts), when its provider can. 0 or absent: never. */
  pauseAfterMs?: number
  /** Starts one instance; the pool waits for its `ready`. */
  launch: () => Instance
  onEvent?: (event: PoolEvent) => void
}

export type PoolEvent
  = | { type: 'start', instance: string }
    | { type: 'ready', instance: string, ms: number }
    | { type: 'exit', instance: string, exit: InstanceExit, expected: boolean }
    | { type: 'idle-stop', instance: string }
    | { type: 'pause', instance: string }
    | { type: 'resume', instance: string, ms: number }

export interface PooledInstance {
  readonly instance: Instance
  /** Keep-alive HTTP over the connections the instance dialed in. */
  readonly agent: Agent
  /** `paused`: frozen (or being frozen, or being thawed) by instance-freezer.ts; it takes no request until ready. */
  state: 'starting' | 'ready' | 'paused' | 'retiring' | 'dead'
  inflight: number
  /** Requests waiting for this instance to finish starting. */
  reserved: number
  lastUsed: number
  exit?: InstanceExit
  /** Why the pool ended it, when it did. */
  retiredFor?: 'timeout' | 'idle' | 'drain'
  /** The last pause or resume asked of it (instance-freezer.ts chains each on the one before). */
  transition?: Promise<void>
  /** The resume under way, shared by the requests that wait for it. */
  resuming?: Promise<void>
}

export interface Lease {
  readonly pooled: PooledInstance
  /** Whether this request had to wait for an instance to start. */
  readonly coldStart: boolean
  release: () => void
}

/**
 * The instances of one function version: starts them on demand (one start shared by all
 * requests that arrive during it), spreads requests up to `concurrency` each, stops idle ones,
 * and replaces dead or stuck ones.
 */
export class InstancePool {
  readonly options: PoolOptions
  private readonly instances = new Set<PooledInstance>()
  private waiters: Array<() => void> = []
  private draining = false
  private reaper?: NodeJS.Timeout
  /** Requests holding a slot now, across instances, and the most since the last `takeInflightPeak`. */
  private inflight = 0
  private inflightPeak = 0

  constructor(options: PoolOptions) {
    this.options = options
    const interval = reapIntervalMs({ pauseAfterMs: options.pauseAfterMs ?? 0, stopAfterMs: options.idleTimeoutMs })
    if (interval) {
      this.reaper = setInterval(() => this.reapIdle(), interval)
      this.reaper.unref()
    }
  }

  get isDraining() {
    return this.draining
  }

  stats() {
    let inflight = 0
    let ready = 0
    let paused = 0
    for (const pooled of this.instances) {
      inflight += pooled.inflight
      if (pooled.state === 'ready') ready++
      else if (pooled.state === 'paused') paused++
    }
    return { instances: this.instances.size, ready, paused, inflight }
  }

  /** The instances in service now (starting, serving or paused), e.g. to ask each for its memory. */
  liveInstances(): PooledInstance[] {
    return [...this.instances].filter(p => p.state !== 'retiring' && p.state !== 'dead')
  }

  /** The most requests in flight at once since the last call (for metrics); starts over from those in flight now. */
  takeInflightPeak(): number {
    const peak = this.inflightPeak
    this.inflightPeak = this.inflight
    return peak
  }

  /** An instance with spare capacity right now, without waiting (the gateway's fast path). */
  tryAcquire(): Lease | undefined {
    if (this.draining) return undefined
    const ready = this.leastBusy()
    return ready ? this.lease(ready, false) : undefined
  }

  /** Gets an instance with spare capacity, starting one if needed. */
  async acquire(): Promise<Lease> {
    for (;;) {
      if (this.draining) throw new LambdaError({ code: 'VERSION_RETIRED', status: 503, message: `Version ${this.options.version} of "${this.options.name}" no longer takes requests.`, hint: 'Retry: new requests go to the current version.' })
      const free = this.tryAcquire()
      if (free) return free

      // A paused instance resumes in a few ms: far sooner than one could start.
      const paused = [...this.instances].find(p => p.state === 'paused' && p.reserved + p.inflight < this.options.concurrency)
      if (paused) {
        const lease = await this.waitForResume(paused)
        if (lease) return lease
        continue
      }

      const starting = [...this.instances].find(p => p.state === 'starting' && p.reserved + p.inflight < this.options.concurrency)
      if (starting) return this.waitForStart(starting)

      if (this.instances.size < this.options.maxInstances) return this.waitForStart(this.spawn())

      await new Promise<void>(resolve => this.waiters.push(resolve))
    }
  }

  /** Starts instances up to `minInstances` (at least one when `atLeastOne`) and waits until they serve. */
  async warm(atLeastOne = false): Promise<void> {
    const want = Math.max(this.options.minInstances, atLeastOne ? 1 : 0)
    const starts: Promise<void>[] = []
    for (const pooled of this.instances) {
      if (pooled.state === 'starting' || pooled.state === 'ready' || pooled.state === 'paused') starts.push(pooled.instance.ready)
    }
    while (starts.length < want) starts.push(this.spawn().instance.ready)
    await Promise.all(starts)
  }

  /** Takes an instance out of service at once and kills it (it is stuck past a deadline). */
  retire(pooled: PooledInstance, reason: 'timeout' | 'idle'): void {
    if (pooled.state === 'dead') return
    pooled.retiredFor = reason
    pooled.state = 'retiring'
    this.instances.delete(pooled)
    void pooled.instance.kill()
    this.replenish()
  }

  /** Stops taking requests, lets in-flight ones finish, then stops every instance. */
  async drain(graceMs = 30_000): Promise<void> {
    this.draining = true
    clearInterval(this.reaper)
    for (const wake of this.waiters.splice(0)) wake()
    await Promise.all([...this.instances].map(async (pooled) => {
      await this.whenIdle(pooled, graceMs)
      // Not in the middle of a pause or resume: `stop` then sees the instance as it is.
      await pooled.transition
      pooled.retiredFor = 'drain'
      await pooled.instance.stop()
    }))
  }

  /**
   * Kills everything now (shutdown); with `keep`, lets go of the instances that can outlive the agent
   * instead (`Instance.release`), for its next start to adopt.
   */
  async close(keep = false): Promise<void> {
    this.draining = true
    clearInterval(this.reaper)
    for (const wake of this.waiters.splice(0)) wake()
    await Promise.all([...this.instances].map(async (pooled) => {
      pooled.retiredFor = 'drain'
      if (keep && pooled.instance.release) {
        // Not in the middle of a pause or resume: a released instance is left as it is.
        await pooled.transition?.catch(() => {})
        return pooled.instance.release()
      }
      return pooled.instance.kill()
    }))
  }

  /**
   * Takes in a ready instance an earlier run of the agent left (see Provider.adopt); false when the
   * pool is full or closing, and the caller ends it.
   */
  adopt(instance: Instance): boolean {
    if (this.draining || this.instances.size >= this.options.maxInstances) return false
    const pooled: PooledInstance = { instance, agent: instance.link.agent, state: 'ready', inflight: 0, reserved: 0, lastUsed: Date.now() }
    this.instances.add(pooled)
    instance.exited.then(exit => this.onExit(pooled, exit))
    return true
  }

  private leastBusy(): PooledInstance | undefined {
    let best: PooledInstance | undefined
    for (const pooled of this.instances) {
      if (pooled.state !== 'ready' || pooled.inflight >= this.options.concurrency) continue
      if (!best || pooled.inflight < best.inflight) best = pooled
    }
    return best
  }

  private lease(pooled: PooledInstance, coldStart: boolean): Lease {
    pooled.inflight++
    pooled.lastUsed = Date.now()
    if (++this.inflight > this.inflightPeak) this.inflightPeak = this.inflight
    let released = false
    return {
      pooled,
      coldStart,
      release: () => {
        if (released) return
        released = true
        pooled.inflight--
        this.inflight--
        pooled.lastUsed = Date.now()
        const wake = this.waiters.shift()
        if (wake) wake()
      },
    }
  }

  /** Undefined when the instance could not be resumed: it is replaced, and the caller looks again. */
  private async waitForResume(pooled: PooledInstance): Promise<Lease | undefined> {
    const resumedAt = Date.now()
    pooled.reserved++
    try {
      await resumeInstance(pooled)
    }
    catch {
      // It could not be thawed (the engine failed, or it died frozen): a fresh one will serve instead.
      if (pooled.state === 'paused') this.retire(pooled, 'idle')
      return undefined
    }
    finally {
      pooled.reserved--
    }
    if (pooled.state !== 'ready') return undefined
    this.options.onEvent?.({ type: 'resume', instance: pooled.instance.id, ms: Date.now() - resumedAt })
    return this.lease(pooled, false)
  }

  private async waitForStart(pooled: PooledInstance): Promise<Lease> {
    pooled.reserved++
    try {
      await pooled.instance.ready
    }
    finally {
      pooled.reserved--
    }
    return this.lease(pooled, true)
  }

  private spawn(): PooledInstance {
    const startedAt = Date.now()
    const instance = this.options.launch()
    const pooled: PooledInstance = {
      instance,
      agent: instance.link.agent,
      state: 'starting',
      inflight: 0,
      reserved: 0,
      lastUsed: startedAt,
    }
    this.instances.add(pooled)
    this.options.onEvent?.({ type: 'start', instance: instance.id })
    instance.exited.then(exit => this.onExit(pooled, exit))
    instance.ready.then(() => {
      if (pooled.state !== 'starting') return
      pooled.state = 'ready'
      this.options.onEvent?.({ type: 'ready', instance: instance.id, ms: Date.now() - startedAt })
    }, () => {
      // Start failed: waiters see the error through `ready`; the next request tries afresh.
      this.instances.delete(pooled)
    })
    return pooled
  }

  private onExit(pooled: PooledInstance, exit: InstanceExit) {
    const expected = pooled.retiredFor !== undefined
    // One that never became ready would only fail again: no automatic restart loop.
    const served = pooled.state !== 'starting'
    pooled.state = 'dead'
    pooled.exit = exit
    this.instances.delete(pooled)
    pooled.agent?.destroy()
    this.options.onEvent?.({ type: 'exit', instance: pooled.instance.id, exit, expected })
    for (const wake of this.waiters.splice(0)) wake()
    if (served) this.replenish()
  }

  private replenish() {
    if (this.draining) return
    const live = [...this.instances].filter(p => p.state === 'starting' || p.state === 'ready' || p.state === 'paused').length
    for (let i = live; i < this.options.minInstances; i++) this.spawn()
  }

  private reapIdle() {
    const now = Date.now()
    const { idleTimeoutMs, pauseAfterMs = 0 } = this.options
    const idleFor = (pooled: PooledInstance) => pooled.inflight === 0 && pooled.reserved === 0 ? now - pooled.lastUsed : -1
    let live = [...this.instances].filter(p => p.state === 'ready' || p.state === 'starting' || p.state === 'paused').length
    for (const pooled of this.instances) {
      const idle = idleFor(pooled)
      if (idleTimeoutMs > 0 && live > this.options.minInstances && (pooled.state === 'ready' || (pooled.state === 'paused' && !pooled.resuming)) && idle >= idleTimeoutMs) {
        pooled.state = 'retiring'
        pooled.retiredFor = 'idle'
        this.instances.delete(pooled)
        live--
        this.options.onEvent?.({ type: 'idle-stop', instance: pooled.instance.id })
        // After a pause under way, if any: `stop` handles a paused instance itself.
        void (pooled.transition ?? Promise.resolve()).then(() => pooled.instance.stop())
      }
      else if (pauseAfterMs > 0 && pooled.state === 'ready' && pooled.instance.pause && idle >= pauseAfterMs) {
        pauseInstance(pooled)
        this.options.onEvent?.({ type: 'pause', instance: pooled.instance.id })
      }
    }
  }

  private whenIdle(pooled: PooledInstance, graceMs: number): Promise<void> {
    if (pooled.inflight === 0 || pooled.state === 'dead') return Promise.resolve()
    return new Promise((resolve) => {
      const deadline = Date.now() + graceMs
      const check = setInterval(() => {
        if (pooled.inflight === 0 || pooled.state === 'dead' || Date.now() > deadline) {
          clearInterval(check)
          resolve()
        }
      }, 10)
    })
  }
}
