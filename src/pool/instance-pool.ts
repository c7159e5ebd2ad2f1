import type { Agent } from 'node:http'
import type { Instance, InstanceExit } from '../instances/types'
import { LambdaError } from '../errors'

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
  /** Starts one instance; the pool waits for its `ready`. */
  launch: () => Instance
  onEvent?: (event: PoolEvent) => void
}

export type PoolEvent
  = | { type: 'start', instance: string }
    | { type: 'ready', instance: string, ms: number }
    | { type: 'exit', instance: string, exit: InstanceExit, expected: boolean }
    | { type: 'idle-stop', instance: string }

export interface PooledInstance {
  readonly instance: Instance
  /** Keep-alive HTTP over the connections the instance dialed in. */
  readonly agent: Agent
  state: 'starting' | 'ready' | 'retiring' | 'dead'
  inflight: number
  /** Requests waiting for this instance to finish starting. */
  reserved: number
  lastUsed: number
  exit?: InstanceExit
  /** Why the pool ended it, when it did. */
  retiredFor?: 'timeout' | 'idle' | 'drain' | 'protocol'
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
    if (options.idleTimeoutMs > 0) {
      this.reaper = setInterval(() => this.reapIdle(), Math.min(1000, Math.max(50, options.idleTimeoutMs / 4)))
      this.reaper.unref()
    }
  }

  get isDraining() {
    return this.draining
  }

  stats() {
    let inflight = 0
    let ready = 0
    for (const pooled of this.instances) {
      inflight += pooled.inflight
      if (pooled.state === 'ready') ready++
    }
    return { instances: this.instances.size, ready, inflight }
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
      if (pooled.state === 'starting' || pooled.state === 'ready') starts.push(pooled.instance.ready)
    }
    while (starts.length < want) starts.push(this.spawn().instance.ready)
    await Promise.all(starts)
  }

  /** Takes an instance out of service at once and kills it (stuck past a deadline, or it broke the link's protocol). */
  retire(pooled: PooledInstance, reason: 'timeout' | 'protocol'): void {
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
      pooled.retiredFor = 'drain'
      await pooled.instance.stop()
    }))
  }

  /** Kills everything now (shutdown). */
  async close(): Promise<void> {
    this.draining = true
    clearInterval(this.reaper)
    for (const wake of this.waiters.splice(0)) wake()
    await Promise.all([...this.instances].map((pooled) => {
      pooled.retiredFor = 'drain'
      return pooled.instance.kill()
    }))
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
    const live = [...this.instances].filter(p => p.state === 'starting' || p.state === 'ready').length
    for (let i = live; i < this.options.minInstances; i++) this.spawn()
  }

  private reapIdle() {
    const now = Date.now()
    let live = [...this.instances].filter(p => p.state === 'ready' || p.state === 'starting').length
    for (const pooled of this.instances) {
      if (live <= this.options.minInstances) return
      if (pooled.state !== 'ready' || pooled.inflight > 0 || now - pooled.lastUsed < this.options.idleTimeoutMs) continue
      pooled.state = 'retiring'
      pooled.retiredFor = 'idle'
      this.instances.delete(pooled)
      live--
      this.options.onEvent?.({ type: 'idle-stop', instance: pooled.instance.id })
      void pooled.instance.stop()
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
