import type { Storage } from 'unstorage'
import type { AcceptedInvocation, InvocationFailure, InvocationStatus, InvocationSummary } from '../../api/admin-api'
import type { ServingTable } from '../serving-table'
import type { CallbackPolicy, Lookup } from './callback-policy'
import type { InvocationRecord } from './invocation-record'
import { randomUUID } from 'node:crypto'
import { ASYNC_DEFAULTS } from '../../config/schema/async'
import { LambdaError } from '../../errors'
import { ASYNC_LIMITS } from './async-limits'
import { checkCallbackUrl } from './callback-policy'
import { CallbackSender } from './callback-sender'
import { FunctionLane } from './function-lane'
import { Inbox } from './inbox'
import { isFinal } from './invocation-record'
import { createInvocationStore } from './invocation-store'
import { toSummary } from './invocation-views'
import { RecordWriter } from './record-writer'
import { backoffMs, outcomeOf } from './retry-policy'
import { runAttempt, versionFor } from './run-attempt'

export interface AsyncInvocationsOptions {
  storage: Storage
  serving: ServingTable
  /** Calls one function may have waiting or running. */
  queueLimit: number
  retentionMs: number
  failedRetentionMs: number
  callbackPolicy: CallbackPolicy
  lookup?: Lookup
  warn?: (message: string) => void
}

export interface CallToAccept {
  function: string
  version?: number
  request: { method: string, path: string, headers: Record<string, string>, body: Buffer }
  callbackUrl?: string
  replayOf?: string
}

/** Room for one call in a function's queue, taken before its body is read. */
export interface Reservation {
  accept: (call: CallToAccept) => Promise<AcceptedInvocation>
  release: () => void
}

/** Bodies larger than this wait on disk rather than in memory until their call runs. */
const IN_MEMORY_BODY_CHARS = 64 * 1024

/**
 * Asynchronous invocations: calls accepted with 202, stored before that answer, run in the background
 * by a bounded pool of workers per function, retried with backoff, kept as succeeded or failed (the
 * dead-letter list) for a while, their results sent to a callback URL when asked. At-least-once: after
 * a crash, every call without a final record runs again (docs/async.md).
 */
export class AsyncInvocations {
  private readonly store
  private readonly inbox
  private readonly writer
  private readonly callbacks
  private readonly lanes = new Map<string, FunctionLane>()
  /** Calls not finished, with their request. */
  private readonly live = new Map<string, InvocationRecord>()
  /** Finished calls: only their summary is in memory, the rest in the store. */
  private readonly kept = new Map<string, InvocationSummary>()
  /** Calls whose only durable copy is still in an inbox batch, by batch. */
  private readonly batches = new Map<string, Set<string>>()
  private readonly batchOf = new Map<string, string>()
  /** Large bodies left in the store until their call runs. */
  private readonly offloaded = new Set<string>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private pruneTimer?: NodeJS.Timeout
  private closed = false

  constructor(private readonly opts: AsyncInvocationsOptions) {
    this.store = createInvocationStore(opts.storage)
    this.inbox = new Inbox(this.store)
    this.writer = new RecordWriter(record => this.store.put(record), (record, error) => this.warn(`Could not store invocation ${record.id} of ${record.function}: ${(error as Error).message}`))
    this.callbacks = new CallbackSender({ policy: opts.callbackPolicy, lookup: opts.lookup, persist: record => this.persist(record) })
  }

  /** Loads what an earlier run left (calls accepted and not finished run again), then starts the workers. */
  async start(): Promise<{ resumed: number }> {
    const resumed = await this.load()
    await this.prune()
    // Every minute, or more often when a retention is shorter than two minutes.
    const every = Math.min(60_000, Math.max(1000, Math.min(this.opts.retentionMs, this.opts.failedRetentionMs) / 2))
    if (!this.closed) this.pruneTimer = setInterval(() => void this.prune(), every)
    this.pruneTimer?.unref()
    for (const lane of this.lanes.values()) this.pump(lane)
    return { resumed }
  }

  /** Checks a caller's X-Callback-Url: throws 400 `CALLBACK_URL_REFUSED` (see callback-policy.ts). */
  async checkCallback(url: string): Promise<void> {
    await checkCallbackUrl(url, this.opts.callbackPolicy, this.opts.lookup)
  }

  /** Takes room in `fn`'s queue, or throws 429 `ASYNC_QUEUE_FULL` (with `retryAfter` seconds) when it is full. */
  reserve(fn: string): Reservation {
    const lane = this.lane(fn)
    if (lane.pending >= this.opts.queueLimit) {
      const retryAfter = lane.retryAfterSeconds(this.workers(fn))
      throw new LambdaError({
        code: 'ASYNC_QUEUE_FULL',
        status: 429,
        message: `Function "${fn}" has ${lane.pending} asynchronous calls waiting or running, its limit; this one was not accepted.`,
        hint: `Retry after ${retryAfter} s (the Retry-After header), or raise the limit with \`lambda agent --async-queue-limit\`.`,
        data: { retryAfter, limit: this.opts.queueLimit },
      })
    }
    lane.reserved++
    let open = true
    const release = () => {
      if (!open) return
      open = false
      lane.reserved--
    }
    return { release, accept: call => this.accept(lane, call, release) }
  }

  private async accept(lane: FunctionLane, call: CallToAccept, release: () => void): Promise<AcceptedInvocation> {
    const record: InvocationRecord = {
      id: randomUUID(),
      function: call.function,
      ...(call.version !== undefined ? { version: call.version } : {}),
      status: 'queued',
      acceptedAt: new Date().toISOString(),
      request: { method: call.request.method, path: call.request.path, headers: call.request.headers, body: call.request.body.toString('base64') },
      attempts: [],
      ...(call.callbackUrl ? { callback: { url: call.callbackUrl, status: 'pending' as const, attempts: 0 } } : {}),
      ...(call.replayOf ? { replayOf: call.replayOf } : {}),
    }
    let batch: string
    try {
      batch = await this.inbox.add(record)
    }
    catch (error) {
      release()
      throw new LambdaError({ code: 'ASYNC_STORE_FAILED', status: 503, message: `The call could not be stored, so it was not accepted: ${(error as Error).message}`, hint: 'Retry; if it keeps failing, look at the agent\'s disk (space, permissions).' })
    }
    release()
    this.remember(record, batch)
    this.live.set(record.id, record)
    lane.waiting.push(record)
    this.pump(lane)
    return { id: record.id, function: record.function, status: 'queued', acceptedAt: record.acceptedAt, ...(record.replayOf ? { replayOf: record.replayOf } : {}) }
  }

  /** Until its own record is on disk, a call's only durable copy is in its batch. */
  private remember(record: InvocationRecord, batch: string) {
    this.batchOf.set(record.id, batch)
    let members = this.batches.get(batch)
    if (!members) this.batches.set(batch, members = new Set())
    members.add(record.id)
    if (record.request.body.length > IN_MEMORY_BODY_CHARS) {
      record.request.body = ''
      this.offloaded.add(record.id)
    }
  }

  private lane(fn: string): FunctionLane {
    let lane = this.lanes.get(fn)
    if (!lane) this.lanes.set(fn, lane = new FunctionLane(fn))
    return lane
  }

  private workers(fn: string): number {
    return FunctionLane.workers(this.opts.serving.get(fn)?.version)
  }

  private pump(lane: FunctionLane) {
    const workers = this.workers(lane.name)
    while (!this.closed && lane.waiting.length > 0 && lane.running < workers) {
      const record = lane.waiting.shift()!
      lane.running++
      void this.run(lane, record)
        .catch(error => this.warn(`Invocation ${record.id} of ${record.function} failed in the agent: ${(error as Error).stack ?? error}`))
        .finally(() => {
          lane.running--
          this.pump(lane)
        })
    }
  }

  private async run(lane: FunctionLane, record: InvocationRecord): Promise<void> {
    await this.loadBody(record)
    const version = versionFor(this.opts.serving, record)
    if (!version) return this.finish(record, 'failed', { reason: 'function-gone', message: record.version === undefined ? `Function "${record.function}" is no longer deployed.` : `Version ${record.version} of "${record.function}" is no longer kept.` })
    const { retries, maxAgeSeconds } = version.config.async ?? ASYNC_DEFAULTS
    const expiresAt = Date.parse(record.acceptedAt) + maxAgeSeconds * 1000
    const expired = (): InvocationFailure => ({ reason: 'expired', message: `Not run again: the call is older than async.maxAgeSeconds (${maxAgeSeconds} s).` })
    if (Date.now() > expiresAt) return this.finish(record, 'failed', expired())

    record.status = 'running'
    const run = await runAttempt(this.opts.serving, record, record.attempts.length + 1)
    // Stopping kills the instances under the attempt: its outcome says nothing, and the call runs again after the restart.
    if (this.closed) return
    if (!run) return this.finish(record, 'failed', { reason: 'function-gone', message: `Function "${record.function}" is no longer deployed.` })
    record.attempts.push(run.attempt)
    record.result = run.result
    lane.recordDuration(run.attempt.durationMs)

    const outcome = outcomeOf(run.call)
    if (outcome === 'succeeded') return this.finish(record, 'succeeded')
    if (outcome === 'final-error') return this.finish(record, 'failed', { reason: 'not-retried', message: `The function answered ${run.attempt.status}: a 4xx answer (other than 408 and 429) is not retried.` })
    const used = record.attempts.length - 1
    if (used >= retries) return this.finish(record, 'failed', { reason: 'retries-exhausted', message: `All ${record.attempts.length} attempt(s) failed (async.retries: ${retries}).` })
    const delay = backoffMs(record.attempts.length)
    if (Date.now() + delay > expiresAt) return this.finish(record, 'failed', expired())
    this.retryLater(lane, record, delay)
  }

  private retryLater(lane: FunctionLane, record: InvocationRecord, delay: number) {
    record.status = 'retrying'
    record.nextAttemptAt = new Date(Date.now() + delay).toISOString()
    lane.delayed++
    this.persist(record)
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      lane.delayed--
      record.status = 'queued'
      delete record.nextAttemptAt
      lane.waiting.push(record)
      this.pump(lane)
    }, delay)
    this.timers.add(timer)
  }

  private finish(record: InvocationRecord, status: 'succeeded' | 'failed', failure?: InvocationFailure) {
    record.status = status
    record.finishedAt = new Date().toISOString()
    delete record.nextAttemptAt
    if (failure) record.failure = failure
    this.live.delete(record.id)
    this.kept.set(record.id, toSummary(record))
    this.persist(record)
    if (record.callback) this.callbacks.send(record)
  }

  /** Writes the record in the background; once it is on disk, its batch no longer has to hold it. */
  private persist(record: InvocationRecord) {
    void this.writer.save(record).then((saved) => {
      if (saved) this.release(record.id)
    })
  }

  private release(id: string) {
    const batch = this.batchOf.get(id)
    if (!batch) return
    this.batchOf.delete(id)
    const members = this.batches.get(batch)
    members?.delete(id)
    if (members && members.size > 0) return
    this.batches.delete(batch)
    this.store.removeBatch(batch).catch(error => this.warn(`Could not remove the stored batch ${batch}: ${(error as Error).message}`))
  }

  private async loadBody(record: InvocationRecord) {
    if (!this.offloaded.has(record.id)) return
    const batch = this.batchOf.get(record.id)
    const stored = batch ? (await this.store.getBatch(batch))?.find(call => call.id === record.id) : await this.store.get(record.function, record.id)
    record.request.body = stored?.request?.body ?? ''
    this.offloaded.delete(record.id)
  }

  /** Invocations newest first, with counts by status (of the function, or of all). */
  list(filter: { function?: string, status?: InvocationStatus, limit?: number } = {}) {
    const counts: Record<InvocationStatus, number> = { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0 }
    const matching: InvocationSummary[] = []
    const consider = (summary: InvocationSummary) => {
      if (filter.function && summary.function !== filter.function) return
      counts[summary.status]++
      if (!filter.status || summary.status === filter.status) matching.push(summary)
    }
    for (const record of this.live.values()) consider(toSummary(record))
    for (const summary of this.kept.values()) consider(summary)
    matching.sort((a, b) => b.acceptedAt.localeCompare(a.acceptedAt) || b.id.localeCompare(a.id))
    return { invocations: matching.slice(0, filter.limit ?? 100), counts }
  }

  /** The whole record of one invocation, or undefined when the agent has none by that id. */
  async get(id: string): Promise<InvocationRecord | undefined> {
    const live = this.live.get(id) ?? this.writer.unsaved(id)
    if (live) {
      await this.loadBody(live)
      return live
    }
    const summary = this.kept.get(id)
    return summary ? await this.store.get(summary.function, id) ?? undefined : undefined
  }

  /**
   * Runs a finished invocation's call again, as a new invocation (`replayOf` links them; the function
   * sees the new id). The callback URL, if any, is checked again first.
   */
  async replay(id: string, notDeployed: (fn: string) => LambdaError): Promise<AcceptedInvocation> {
    const record = await this.get(id)
    if (!record) throw invocationNotFound(id)
    if (!isFinal(record.status)) {
      throw new LambdaError({ code: 'INVOCATION_NOT_FINISHED', status: 409, message: `Invocation ${id} is ${record.status}: only a finished one can be replayed.`, hint: `Wait for it to finish (\`lambda invocation ${id}\`).` })
    }
    if (!versionFor(this.opts.serving, record)) throw notDeployed(record.function)
    if (record.callback) await checkCallbackUrl(record.callback.url, this.opts.callbackPolicy, this.opts.lookup)
    const slot = this.reserve(record.function)
    try {
      const { method, path, headers, body } = record.request
      return await slot.accept({ function: record.function, version: record.version, request: { method, path, headers, body: Buffer.from(body, 'base64') }, callbackUrl: record.callback?.url, replayOf: id })
    }
    finally {
      slot.release()
    }
  }

  /** Loads what the store holds: own records first, then calls only a batch holds. */
  private async load(): Promise<number> {
    const records = new Map<string, InvocationRecord>()
    for (const record of await this.store.list()) {
      if (isRecord(record)) records.set(record.id, record)
    }
    for (const { key, calls } of await this.store.listBatches()) {
      let members = 0
      for (const call of calls) {
        if (!isRecord(call) || records.has(call.id)) continue
        records.set(call.id, call)
        this.remember(call, key)
        members++
      }
      if (members === 0) await this.store.removeBatch(key)
    }
    let resumed = 0
    for (const record of [...records.values()].sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt))) {
      if (isFinal(record.status)) {
        this.kept.set(record.id, toSummary(record))
        if (record.callback?.status === 'pending') this.callbacks.send(record)
        continue
      }
      resumed++
      this.live.set(record.id, record)
      const lane = this.lane(record.function)
      const wait = record.status === 'retrying' && record.nextAttemptAt ? Date.parse(record.nextAttemptAt) - Date.now() : 0
      // An attempt the crash cut short is not on record: the call simply runs again.
      if (wait > 0) {
        this.retryLater(lane, record, wait)
      }
      else {
        record.status = 'queued'
        delete record.nextAttemptAt
        lane.waiting.push(record)
      }
    }
    return resumed
  }

  /** Forgets finished invocations past their retention, and the oldest beyond the per-function bound. */
  async prune(now = Date.now()): Promise<number> {
    const expired: InvocationSummary[] = []
    const groups = new Map<string, InvocationSummary[]>()
    for (const summary of this.kept.values()) {
      if (this.writer.unsaved(summary.id)) continue
      const retention = summary.status === 'failed' ? this.opts.failedRetentionMs : this.opts.retentionMs
      if (now - Date.parse(summary.finishedAt ?? summary.acceptedAt) > retention) {
        expired.push(summary)
        continue
      }
      const key = `${summary.function}\0${summary.status}`
      let group = groups.get(key)
      if (!group) groups.set(key, group = [])
      group.push(summary)
    }
    for (const group of groups.values()) {
      if (group.length <= ASYNC_LIMITS.keptPerFunction) continue
      group.sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''))
      expired.push(...group.slice(0, group.length - ASYNC_LIMITS.keptPerFunction))
    }
    for (const summary of expired) {
      this.kept.delete(summary.id)
      await this.store.remove(summary.function, summary.id).catch(error => this.warn(`Could not remove invocation ${summary.id}: ${(error as Error).message}`))
    }
    return expired.length
  }

  /**
   * Stops the workers and the callbacks. Calls still running are not recorded as failed: they run
   * again at the next start. Waits, briefly, for accepted calls and records being written.
   */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.pruneTimer)
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.callbacks.stop()
    await Promise.race([Promise.all([this.inbox.settled(), this.writer.idle()]), new Promise(resolve => setTimeout(resolve, 5000).unref())])
  }

  private warn(message: string) {
    this.opts.warn?.(message)
  }
}

export function invocationNotFound(id: string): LambdaError {
  return new LambdaError({ code: 'INVOCATION_NOT_FOUND', status: 404, message: `No invocation ${id} is kept here (never accepted, or pruned after its retention).`, hint: 'List the kept ones with `lambda invocations`.' })
}

/** What a stored record must have to be loaded; anything else is skipped. */
function isRecord(value: InvocationRecord): boolean {
  return typeof value?.id === 'string' && typeof value.function === 'string' && typeof value.acceptedAt === 'string'
    && typeof value.request?.method === 'string' && typeof value.request.path === 'string' && Array.isArray(value.attempts)
}
