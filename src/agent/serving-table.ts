import type { LaunchRequest, Provider } from '../providers/types'
import type { VersionRecord } from '../store/records'
import { idlePolicyFor } from '../pool/idle-policy'
import { InstancePool } from '../pool/instance-pool'

export interface ServingEntry {
  version: VersionRecord
  pool: InstancePool
}

export interface ServingTableOptions {
  provider: Provider
  /** The agent's `--idle-timeout`: when idle instances stop unless a function's `idle.stopAfter` says otherwise. */
  idleTimeoutMs: number
  /** The environment an instance of `version` starts with (secret refs resolved). Default: its plain values only. */
  resolveEnv?: (version: VersionRecord) => Record<string, string>
}

export type ServingChangeListener = (name: string, change: 'switched' | 'removed') => void

const keyOf = (name: string, version: number) => `${name}@${version}`

const plainEnv = (version: VersionRecord) =>
  Object.fromEntries(Object.entries(version.config.env ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))

/**
 * Which version of each function the gateway serves, and the instance pool of every version in
 * use. Switching is one map assignment: requests already holding the old pool finish there,
 * new ones get the new pool, and the old pool then drains.
 */
export class ServingTable {
  private readonly current = new Map<string, ServingEntry>()
  private readonly pools = new Map<string, InstancePool>()
  /** Every kept version, for `v<N>.<fn>` routes without a store read per request. */
  private readonly kept = new Map<string, VersionRecord>()
  private readonly listeners = new Set<ServingChangeListener>()
  /** Requests each function's queues turned away or dropped (429, 503, expired, abandoned), since the agent started. */
  private readonly shedTotals = new Map<string, number>()
  private readonly options: ServingTableOptions

  constructor(options: ServingTableOptions) {
    this.options = options
  }

  /** Calls `listener` after a function switched versions or was removed (schedules follow the serving version). */
  onChange(listener: ServingChangeListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get(name: string): ServingEntry | undefined {
    return this.current.get(name)
  }

  /** A kept version of a function, current or not. */
  version(name: string, number: number): VersionRecord | undefined {
    return this.kept.get(keyOf(name, number))
  }

  /** Makes a version reachable at `v<N>.<fn>` (after its deploy, or at start-up). */
  keep(version: VersionRecord): void {
    this.kept.set(keyOf(version.function, version.number), version)
  }

  /** Forgets a pruned version: its pool drains and its prepared container goes. */
  async forget(version: VersionRecord): Promise<void> {
    this.kept.delete(keyOf(version.function, version.number))
    await this.retirePool(version)
  }

  /** The kept versions of one function. */
  keptVersions(name: string): VersionRecord[] {
    return [...this.kept.values()].filter(version => version.function === name)
  }

  /** Every instance pool in use, current or draining-to-be (metrics read their in-flight peaks). */
  activePools(): IterableIterator<InstancePool> {
    return this.pools.values()
  }

  /** Per function: requests waiting for a free instance now, over all its pools. */
  * queueLengths(): IterableIterator<[string, number]> {
    const byFunction = new Map<string, number>()
    for (const pool of this.pools.values()) byFunction.set(pool.options.name, (byFunction.get(pool.options.name) ?? 0) + pool.stats().queued)
    yield* byFunction
  }

  /** Per function: requests its queues turned away or dropped since the agent started. */
  shedCounts(): IterableIterator<[string, number]> {
    return this.shedTotals.entries()
  }

  names(): string[] {
    return [...this.current.keys()].sort()
  }

  /** The pool of one version, created on first use. */
  poolFor(version: VersionRecord): InstancePool {
    const key = keyOf(version.function, version.number)
    let pool = this.pools.get(key)
    if (!pool || pool.isDraining) {
      const { provider } = this.options
      const idle = idlePolicyFor(version.config.idle, this.options.idleTimeoutMs)
      pool = new InstancePool({
        name: version.function,
        version: String(version.number),
        concurrency: version.config.concurrency,
        minInstances: version.config.minInstances,
        maxInstances: version.config.maxInstances,
        idleTimeoutMs: idle.stopAfterMs,
        pauseAfterMs: idle.pauseAfterMs,
        queueTimeoutMs: version.config.timeout * 1000,
        // Older records have no `queue`: the defaults apply.
        maxWaiting: version.config.queue?.maxWaiting,
        maxWaitMs: version.config.queue?.maxWait === undefined ? undefined : version.config.queue.maxWait * 1000,
        launch: () => provider.startInstance(this.launchRequest(version)),
        onEvent: (event) => {
          if (event.type === 'shed') this.shedTotals.set(version.function, (this.shedTotals.get(version.function) ?? 0) + 1)
        },
      })
      this.pools.set(key, pool)
    }
    return pool
  }

  /** Makes `version` the one `<fn>.<domain>` serves; the previous version's pool drains. */
  switchTo(version: VersionRecord): void {
    this.keep(version)
    const pool = this.poolFor(version)
    this.options.provider.prepare?.(this.launchRequest(version))
    const previous = this.current.get(version.function)
    this.current.set(version.function, { version, pool })
    if (pool.options.minInstances > 0) pool.warm().catch(() => {})
    if (previous && previous.pool !== pool) void this.retirePool(previous.version)
    for (const listener of this.listeners) listener(version.function, 'switched')
  }

  /** Resolved at each start, so a changed secret reaches the next instance. */
  private launchRequest(version: VersionRecord): LaunchRequest {
    const env = (this.options.resolveEnv ?? plainEnv)(version)
    return { name: version.function, version: version.number, image: version.image, config: version.config, env }
  }

  /**
   * Replaces the instances of the versions of `name` that `affected` picks (their environment changed,
   * e.g. a secret): new requests go to a fresh pool at once, the old pools drain. The docker provider's
   * waiting container had its environment fixed at creation, so it is discarded and made again.
   * Resolves once the switch is made, not when the old pools are drained.
   */
  async recycle(name: string, affected: (version: VersionRecord) => boolean): Promise<number[]> {
    const { provider } = this.options
    const recycled: number[] = []
    for (const [key, pool] of [...this.pools]) {
      const version = this.kept.get(key)
      if (!key.startsWith(`${name}@`) || !version || !affected(version) || this.pools.get(key) !== pool) continue
      this.pools.delete(key)
      await provider.discard?.(version.function, version.number)
      if (this.current.get(name)?.pool === pool) {
        const fresh = this.poolFor(version)
        this.current.set(name, { version, pool: fresh })
        provider.prepare?.(this.launchRequest(version))
        if (fresh.options.minInstances > 0) fresh.warm().catch(() => {})
      }
      recycled.push(version.number)
      void pool.drain().then(async () => {
        // An old instance that became ready during the drain may have prepared a container with the old environment.
        if (this.current.get(name)?.version.number !== version.number) return
        await provider.discard?.(version.function, version.number)
        provider.prepare?.(this.launchRequest(version))
      })
    }
    return recycled
  }

  /** Stops a version's instances once its requests are done (it stays deployable). */
  async retirePool(version: VersionRecord): Promise<void> {
    const key = keyOf(version.function, version.number)
    const pool = this.pools.get(key)
    if (!pool || this.current.get(version.function)?.pool === pool) return
    this.pools.delete(key)
    await Promise.all([pool.drain(), this.options.provider.discard?.(version.function, version.number)])
  }

  /** Takes a function out of service: its pools drain and stop. */
  async remove(name: string): Promise<void> {
    this.current.delete(name)
    for (const listener of this.listeners) listener(name, 'removed')
    for (const key of [...this.kept.keys()]) {
      if (key.startsWith(`${name}@`)) this.kept.delete(key)
    }
    const mine = [...this.pools].filter(([key]) => key.startsWith(`${name}@`))
    for (const [key] of mine) this.pools.delete(key)
    await Promise.all(mine.map(([key, pool]) => Promise.all([pool.drain(5000), this.options.provider.discard?.(name, Number(key.split('@')[1]))])))
  }

  stats(name: string) {
    let instances = 0
    let ready = 0
    let paused = 0
    let inflight = 0
    for (const pool of this.poolsOf(name)) {
      const s = pool.stats()
      instances += s.instances
      ready += s.ready
      paused += s.paused
      inflight += s.inflight
    }
    return { instances, ready, paused, inflight }
  }

  /**
   * Memory the instances of a function hold now, in bytes, asked of each (in parallel); undefined
   * where the provider cannot tell. A paused instance keeps all of its memory: that is its cost.
   */
  async memory(name: string): Promise<{ bytes?: number, pausedBytes?: number }> {
    const live = [...this.poolsOf(name)].flatMap(pool => pool.liveInstances())
    const read = await Promise.all(live.map(async pooled => ({ paused: pooled.state === 'paused', bytes: await pooled.instance.memoryBytes?.().catch(() => undefined) })))
    const sum = (of: typeof read) => of.some(r => r.bytes !== undefined) ? of.reduce((total, r) => total + (r.bytes ?? 0), 0) : undefined
    return { bytes: sum(read), pausedBytes: sum(read.filter(r => r.paused)) }
  }

  private* poolsOf(name: string): Generator<InstancePool> {
    for (const [key, pool] of this.pools) {
      if (key.startsWith(`${name}@`)) yield pool
    }
  }

  /**
   * Offers every kept version the instances an earlier run left running (Provider.adopt), waits
   * until each dialed back in or failed to (bounded by the provider), and puts them in their pools.
   * Returns how many serve now.
   */
  async adoptLeftovers(): Promise<number> {
    const { provider } = this.options
    if (!provider.adopt) return 0
    const counts = await Promise.all([...this.kept.values()].map(async (version) => {
      const instances = provider.adopt!(this.launchRequest(version))
      if (instances.length === 0) return 0
      const ready = await Promise.all(instances.map(instance => instance.ready.then(() => true, () => false)))
      const pool = this.poolFor(version)
      let adopted = 0
      instances.forEach((instance, i) => {
        if (!ready[i]) return
        if (pool.adopt(instance)) adopted++
        else void instance.kill()
      })
      return adopted
    }))
    return counts.reduce((sum, count) => sum + count, 0)
  }

  /** Ends every instance; with `keepInstances`, those that can outlive the agent are released instead. */
  async close(keepInstances = false): Promise<void> {
    const pools = [...this.pools.values()]
    this.pools.clear()
    this.current.clear()
    await Promise.all(pools.map(pool => pool.close(keepInstances)))
  }
}
