import type { Agent } from 'node:http'
import type { Instance, InstanceExit } from '../instances/types'
import type { ShedReason } from './pool-errors'
import { availableParallelism } from 'node:os'
import { DrainRate, queueLimits } from './admission'
import { reapIntervalMs } from './idle-policy'
import { pauseInstance, resumeInstance } from './instance-freezer'
import { abandonedError, queueTimeoutError, shedError, versionRetiredError } from './pool-errors'
import { RequestQueue } from './request-queue'

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
  /** Longest a request may wait in the queue for a free slot (the function's timeout). Default: no limit. */
  queueTimeoutMs?: number
  /** Requests that may wait at once before more are shed (`queue.maxWaiting`). Default: 10 per slot. */
  maxWaiting?: number
  /** Longest expected wait a request is queued with (`queue.maxWait`). Default: half of `queueTimeoutMs`. */
  maxWaitMs?: number
  /**
   * Instances starting at once, at most: starts share the CPU, so more at once only makes each one
   * slower, and the first to be ready serves the queue. Default: the CPU count, at least 2.
   */
  maxConcurrentStarts?: number
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
    | { type: 'shed', reason: ShedReason | 'expired' | 'abandoned' }

export interface PooledInstance {
  readonly instance: Instance
  /** Keep-alive HTTP over the connections the instance dialed in. */
  readonly agent: Agent
  /** `paused`: frozen (or being frozen, or being thawed) by instance-freezer.ts; it takes no request until ready. */
  state: 'starting' | 'ready' | 'paused' | 'retiring' | 'dead'
  inflight: number
  /** When each request it serves now got its slot (performance.now()). */
  readonly grants: number[]
  /** When it became ready (performance.now()). */
  readyAt?: number
  lastUsed: number
  exit?: InstanceExit
  /** Why the pool ended it, when it did. */
  retiredFor?: 'timeout' | 'idle' | 'drain' | 'protocol'
  /** The last pause or resume asked of it (instance-freezer.ts chains each on the one before). */
  transition?: Promise<void>
  /** The resume under way, shared by the requests that wait for it. */
  resuming?: Promise<void>
}

export interface Lease {
  readonly pooled: PooledInstance
  /** Whether this request had to wait for an instance to start. */
  readonly coldStart: boolean
  /** When it got its slot (performance.now()): the handler's own time counts from here. */
  readonly grantedAt: number
  /** Frees the slot: only once the handler has settled (or its instance is gone), never earlier. */
  release: () => void
}

export interface AcquireOptions {
  /** Epoch ms past which the request is no use: it leaves the queue then, never started. Default: `queueTimeoutMs` from now. */
  deadline?: number
  /** Aborted when the client went away: the request leaves the queue at once, never started. */
  signal?: AbortSignal
  /**
   * Turn the request away at once (429/503 with a Retry-After) when it cannot start in time: for
   * callers who can retry (HTTP clients). Async calls and schedule runs wait their turn instead.
   */
  shed?: boolean
}

/**
 * The instances of one function version: starts them as the waiting requests need (each start
 * counts for `concurrency` of them), spreads requests over the least busy, stops idle ones, and
 * replaces dead or stuck ones. Requests that find no free slot wait in one queue, first come, first
 * served, for whichever instance frees a slot or becomes ready first.
 */
export class InstancePool {
  readonly options: PoolOptions
  private readonly instances = new Set<PooledInstance>()
  private readonly queue = new RequestQueue<Lease>()
  private readonly maxConcurrentStarts: number
  /** Starts that failed since one last succeeded: a function that cannot start must not be started in a loop. */
  private startFailures = 0
  private everReady = false
  private draining = false
  private reaper?: NodeJS.Timeout
  /** Requests holding a slot now, across instances, and the most since the last `takeInflightPeak`. */
  private inflight = 0
  private inflightPeak = 0
  private readonly drainRate = new DrainRate()
  /** Requests turned away or dropped from the queue since the pool was made. */
  private shedCount = 0

  constructor(options: PoolOptions) {
    this.options = options
    this.maxConcurrentStarts = options.maxConcurrentStarts ?? Math.max(2, availableParallelism())
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
    return { instances: this.instances.size, ready, paused, inflight, queued: this.queue.size }
  }

  /** Requests turned away or dropped unstarted from the queue since the pool was made, and what it drains per second. */
  queueStats() {
    return { shed: this.shedCount, drainPerSecond: this.drainRate.perSecond(this.slots()) }
  }

  /** Slots the pool can serve with at most: the queue drains through all of them once it scaled up. */
  private slots(): number {
    return this.options.concurrency * this.options.maxInstances
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

  /**
   * An instance with spare capacity right now, without waiting (the gateway's fast path); nothing
   * while requests are queued, which come first.
   */
  tryAcquire(): Lease | undefined {
    if (this.draining || this.queue.size > 0) return undefined
    const ready = this.leastBusy()
    return ready ? this.lease(ready, false) : undefined
  }

  /**
   * Gets an instance with spare capacity: at once when one has a free slot, else in turn, starting
   * instances as the queue needs them; rejects past `queueTimeoutMs`.
   */
  async acquire(request: AcquireOptions = {}): Promise<Lease> {
    if (this.draining) throw versionRetiredError(this.options)
    const free = this.tryAcquire()
    if (free) return free
    if (request.shed) this.admit()
    const timeoutMs = request.deadline !== undefined ? request.deadline - Date.now() : this.options.queueTimeoutMs
    const waiting = this.queue.add({
      timeoutMs,
      expired: () => this.dropped('expired', queueTimeoutError(this.options)),
      signal: request.signal,
      abandoned: () => this.dropped('abandoned', abandonedError(this.options)),
    })
    this.serveQueue()
    return waiting
  }

  /**
   * Throws the 429 (503 while no instance is up) of a request that cannot start in time: the queue is
   * at its bound, or the wait the drain rate predicts is past `maxWaitMs`. Answered at once, so a caller
   * under overload learns in milliseconds to retry later, instead of timing out after the full deadline
   * while the requests it crowds out time out too.
   */
  private admit() {
    const { maxWaiting, maxWaitMs } = queueLimits({ ...this.options, timeoutMs: this.options.queueTimeoutMs ?? Number.POSITIVE_INFINITY })
    const waiting = this.queue.size
    const waitMs = this.drainRate.waitMs(waiting, this.slots())
    let reason: ShedReason | undefined
    if (waiting >= maxWaiting) reason = this.everReady ? 'queue-full' : 'not-ready'
    else if (waitMs !== undefined && waitMs > maxWaitMs) reason = 'wait-too-long'
    if (!reason) return
    const retryAfter = Math.min(60, Math.max(1, Math.ceil((waitMs ?? 1000) / 1000)))
    throw this.dropped(reason, shedError(this.options, reason, { waiting, waitMs, maxWaitMs, retryAfter }))
  }

  private dropped<E extends Error>(reason: ShedReason | 'expired' | 'abandoned', error: E): E {
    this.shedCount++
    this.options.onEvent?.({ type: 'shed', reason })
    return error
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

  /**
   * Takes an instance out of service at once and kills it: it broke the link's protocol, or a request
   * on it ran past its deadline, so it may be stuck. Not for a timeout when every request it serves
   * got its slot less than half a timeout ago: those spent their time waiting in the queue, which says
   * nothing about the instance, and under sustained overload killing it for each of them would end the
   * requests it serves and cost a cold start every time (throughput collapsed to a start per timeout).
   * Returns whether it was retired.
   */
  retire(pooled: PooledInstance, reason: 'timeout' | 'protocol'): boolean {
    if (pooled.state === 'dead') return false
    const { queueTimeoutMs } = this.options
    if (reason === 'timeout' && queueTimeoutMs !== undefined) {
      const now = performance.now()
      if (!pooled.grants.some(at => now - at >= queueTimeoutMs / 2)) return false
    }
    this.end(pooled, reason)
    return true
  }

  /** Takes an instance out of service and kills it, whatever it serves. */
  private end(pooled: PooledInstance, reason: 'timeout' | 'idle' | 'protocol') {
    pooled.retiredFor = reason
    pooled.state = 'retiring'
    this.instances.delete(pooled)
    void pooled.instance.kill()
    this.replenish()
    this.serveQueue()
  }

  /** Stops taking requests, lets in-flight ones finish, then stops every instance. */
  async drain(graceMs = 30_000): Promise<void> {
    this.draining = true
    clearInterval(this.reaper)
    this.queue.rejectAll(versionRetiredError(this.options))
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
    this.queue.rejectAll(versionRetiredError(this.options))
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
    // No readyAt: it was ready before any request now waiting, so none of them counts as cold.
    const pooled: PooledInstance = { instance, agent: instance.link.agent, state: 'ready', inflight: 0, grants: [], lastUsed: Date.now() }
    this.instances.add(pooled)
    instance.exited.then(exit => this.onExit(pooled, exit))
    this.serveQueue()
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
    const grantedAt = performance.now()
    pooled.grants.push(grantedAt)
    if (++this.inflight > this.inflightPeak) this.inflightPeak = this.inflight
    let released = false
    return {
      pooled,
      coldStart,
      grantedAt,
      release: () => {
        if (released) return
        released = true
        this.drainRate.noteHold(performance.now() - grantedAt)
        pooled.grants.splice(pooled.grants.indexOf(grantedAt), 1)
        pooled.inflight--
        this.inflight--
        pooled.lastUsed = Date.now()
        if (this.queue.size > 0) this.dispatch()
      },
    }
  }

  /** Gives free slots to the queue in order, then starts what the rest still needs. */
  private serveQueue() {
    this.dispatch()
    this.scale()
  }

  private dispatch() {
    while (this.queue.size > 0) {
      const pooled = this.leastBusy()
      if (!pooled) return
      const waiter = this.queue.next()!
      // Cold when the instance became ready while the request waited: it waited for a start.
      waiter.resolve(this.lease(pooled, (pooled.readyAt ?? 0) > waiter.since))
    }
  }

  /**
   * Starts instances while the queue holds more requests than the starting ones will take, up to
   * `maxInstances`, a few at a time: the next start is decided once one is ready, as the queue
   * may be empty by then.
   */
  private scale() {
    if (this.draining || this.queue.size === 0) return
    let starting = 0
    for (const pooled of this.instances) {
      if (pooled.state === 'starting' || pooled.resuming) starting++
    }
    // A paused instance resumes in a few ms: far sooner than one could start.
    for (const pooled of this.instances) {
      if (this.queue.size <= starting * this.options.concurrency) return
      if (pooled.state !== 'paused' || pooled.resuming) continue
      this.resume(pooled)
      starting++
    }
    // Past failures allow more tries only for a version that has started before (a start failing under
    // load); while none is live, a failure has rejected the queue and the next request tries afresh.
    if (this.instances.size > 0 && this.startFailures >= (this.everReady ? this.maxConcurrentStarts : 1)) return
    while (this.queue.size > starting * this.options.concurrency && this.instances.size < this.options.maxInstances && starting < this.maxConcurrentStarts) {
      this.spawn()
      starting++
    }
  }

  private resume(pooled: PooledInstance) {
    const resumedAt = Date.now()
    resumeInstance(pooled).then(() => {
      if (pooled.state === 'ready') this.options.onEvent?.({ type: 'resume', instance: pooled.instance.id, ms: Date.now() - resumedAt })
    }, () => {
      // It could not be thawed (the engine failed, or it died frozen): a fresh one serves instead.
      if (pooled.state === 'paused') this.end(pooled, 'idle')
    }).finally(() => this.serveQueue())
  }

  private spawn(): PooledInstance {
    const startedAt = Date.now()
    const instance = this.options.launch()
    const pooled: PooledInstance = {
      instance,
      agent: instance.link.agent,
      state: 'starting',
      inflight: 0,
      grants: [],
      lastUsed: startedAt,
    }
    this.instances.add(pooled)
    this.options.onEvent?.({ type: 'start', instance: instance.id })
    instance.exited.then(exit => this.onExit(pooled, exit))
    instance.ready.then(() => {
      if (pooled.state !== 'starting') return
      pooled.state = 'ready'
      pooled.readyAt = performance.now()
      this.startFailures = 0
      this.everReady = true
      this.options.onEvent?.({ type: 'ready', instance: instance.id, ms: Date.now() - startedAt })
      this.serveQueue()
    }, (error: Error) => this.onStartFailed(pooled, error))
    return pooled
  }

  /**
   * The queue keeps waiting while other instances may still serve it (a start that failed under load
   * costs no request); with none left, the function cannot start now: the queue gets the error, and
   * the next request tries afresh.
   */
  private onStartFailed(pooled: PooledInstance, error: Error) {
    this.instances.delete(pooled)
    if (this.draining) return
    this.startFailures++
    if (this.instances.size > 0) return this.serveQueue()
    this.startFailures = 0
    this.queue.rejectAll(error)
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
    // One that never served fails its start too: onStartFailed decides about the queue.
    if (!served) return
    this.replenish()
    this.serveQueue()
  }

  private replenish() {
    if (this.draining) return
    const live = [...this.instances].filter(p => p.state === 'starting' || p.state === 'ready' || p.state === 'paused').length
    for (let i = live; i < this.options.minInstances; i++) this.spawn()
  }

  private reapIdle() {
    const now = Date.now()
    const { idleTimeoutMs, pauseAfterMs = 0 } = this.options
    // Requests waiting in the queue are about to take whatever is idle: nothing is idle then.
    if (this.queue.size > 0) return
    const idleFor = (pooled: PooledInstance) => pooled.inflight === 0 ? now - pooled.lastUsed : -1
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
