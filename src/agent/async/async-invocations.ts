import type { Storage } from 'unstorage'
import type { AcceptedInvocation, InvocationFailure, InvocationStatus, InvocationSummary } from '../../api/admin-api'
import type { InvocationEvents } from '../invocation-events'
import type { AgentMetrics } from '../metrics/agent-metrics'
import type { CredentialSeal } from '../secrets/credential-seal'
import type { ServingTable } from '../serving-table'
import type { CallbackPolicy, Lookup } from './callback-policy'
import type { InvocationRecord } from './invocation-record'
import { randomUUID } from 'node:crypto'
import { ASYNC_DEFAULTS } from '../../config/schema/async'
import { LambdaError } from '../../errors'
import { diskFullError, isDiskFull } from '../../fs/disk-full'
import { checkCallbackUrl } from './callback-policy'
import { CallbackSender } from './callback-sender'
import { FunctionLane } from './function-lane'
import { InvocationLedger } from './invocation-ledger'
import { isFinal } from './invocation-record'
import { toSummary } from './invocation-views'
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
  /** Told of every attempt as it ends (logs, metrics), as the gateway's listeners are. */
  invocations?: InvocationEvents
  /** Where the queue depth and the dead letters of each function are published (docs/metrics.md). */
  metrics?: Pick<AgentMetrics, 'registerGauge'>
  /** Seals the credentials each call came with while it is stored (see credential-seal.ts). */
  credentials: CredentialSeal
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

export function invocationNotFound(id: string): LambdaError {
  return new LambdaError({ code: 'INVOCATION_NOT_FOUND', status: 404, message: `No invocation ${id} is kept here (never accepted, or pruned after its retention).`, hint: 'List the kept ones with `lambda invocations`.' })
}

/**
 * Asynchronous invocations: calls accepted with 202, stored before that answer, run in the background
 * by a bounded pool of workers per function, retried with backoff, kept as succeeded or failed (the
 * dead-letter list) for a while, their results sent to a callback URL when asked. At-least-once: after
 * a crash, every call not known to have finished runs again (docs/async.md).
 */
export class AsyncInvocations {
  private readonly ledger
  private readonly callbacks
  private readonly lanes = new Map<string, FunctionLane>()
  /** Calls not finished, with their request. */
  private readonly live = new Map<string, InvocationRecord>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private pruneTimer?: NodeJS.Timeout
  private readonly unregisterGauges: Array<() => void> = []
  private closed = false

  constructor(private readonly opts: AsyncInvocationsOptions) {
    const warn = (message: string) => opts.warn?.(message)
    this.ledger = new InvocationLedger(opts.storage, warn, opts.credentials)
    this.callbacks = new CallbackSender({ policy: opts.callbackPolicy, lookup: opts.lookup, persist: record => this.ledger.save(record) })
    if (opts.metrics) {
      this.unregisterGauges.push(
        opts.metrics.registerGauge({ name: 'async_queue_depth', help: 'Asynchronous calls accepted and not finished: waiting, running or waiting for a retry.', read: () => this.queueDepths() }),
        opts.metrics.registerGauge({ name: 'async_dead_letters', help: 'Asynchronous calls that failed and are kept (the dead-letter list, replayable).', read: () => this.ledger.deadLetterCounts().entries() }),
      )
    }
  }

  private* queueDepths(): Iterable<readonly [string, number]> {
    // A function deleted with nothing left in its queue has no depth to show any more.
    for (const lane of this.lanes.values()) {
      if (lane.pending > 0 || this.opts.serving.get(lane.name)) yield [lane.name, lane.pending] as const
    }
  }

  /** Loads what an earlier run left (calls accepted and not finished run again), then starts the workers. */
  async start(): Promise<{ resumed: number }> {
    const { unfinished, finished } = await this.ledger.load()
    for (const record of finished) {
      if (record.callback?.status === 'pending') this.callbacks.send(record)
    }
    for (const record of unfinished) {
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
    await this.prune()
    // Every minute, or more often when a retention is shorter than two minutes.
    const every = Math.min(60_000, Math.max(1000, Math.min(this.opts.retentionMs, this.opts.failedRetentionMs) / 2))
    if (!this.closed) this.pruneTimer = setInterval(() => void this.prune(), every)
    this.pruneTimer?.unref()
    for (const lane of this.lanes.values()) this.pump(lane)
    return { resumed: unfinished.length }
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
    const id = randomUUID()
    const { headers, sealed } = this.opts.credentials.split(id, call.request.headers)
    const record: InvocationRecord = {
      id,
      function: call.function,
      ...(call.version !== undefined ? { version: call.version } : {}),
      status: 'queued',
      acceptedAt: new Date().toISOString(),
      request: { method: call.request.method, path: call.request.path, headers, ...(sealed ? { sealed } : {}), body: call.request.body.toString('base64') },
      attempts: [],
      ...(call.callbackUrl ? { callback: { url: call.callbackUrl, status: 'pending' as const, attempts: 0 } } : {}),
      ...(call.replayOf ? { replayOf: call.replayOf } : {}),
    }
    try {
      await this.ledger.accept(record)
    }
    catch (error) {
      if (isDiskFull(error)) throw diskFullError('The call could not be stored, so it was not accepted', 'the agent\'s data dir', error, 'ASYNC_STORE_FULL')
      throw new LambdaError({ code: 'ASYNC_STORE_FAILED', status: 503, message: `The call could not be stored, so it was not accepted: ${(error as Error).message}`, hint: 'Retry; if it keeps failing, look at the agent\'s disk (space, permissions).' })
    }
    finally {
      release()
    }
    this.live.set(record.id, record)
    lane.waiting.push(record)
    this.pump(lane)
    return { id: record.id, function: record.function, status: 'queued', acceptedAt: record.acceptedAt, ...(record.replayOf ? { replayOf: record.replayOf } : {}) }
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
        .catch(error => this.opts.warn?.(`Invocation ${record.id} of ${record.function} failed in the agent: ${(error as Error).stack ?? error}`))
        .finally(() => {
          lane.running--
          this.pump(lane)
        })
    }
  }

  private async run(lane: FunctionLane, record: InvocationRecord): Promise<void> {
    await this.ledger.loadBody(record)
    const version = versionFor(this.opts.serving, record)
    if (!version) return this.finish(record, 'failed', goneFailure(record))
    const { retries, maxAgeSeconds } = version.config.async ?? ASYNC_DEFAULTS
    const expiresAt = Date.parse(record.acceptedAt) + maxAgeSeconds * 1000
    const expired = (): InvocationFailure => ({ reason: 'expired', message: `Not run again: the call is older than async.maxAgeSeconds (${maxAgeSeconds} s).` })
    if (Date.now() > expiresAt) return this.finish(record, 'failed', expired())

    record.status = 'running'
    const run = await runAttempt(this.opts.serving, record, record.attempts.length + 1, this.credentialsOf(record), this.opts.invocations?.listener)
    // Stopping kills the instances under the attempt: its outcome says nothing, and the call runs again after the restart.
    if (this.closed) return
    if (!run) return this.finish(record, 'failed', goneFailure(record))
    record.attempts.push(run.attempt)
    record.result = run.result
    lane.recordDuration(run.attempt.durationMs)

    const outcome = outcomeOf(run.call)
    if (outcome === 'succeeded') return this.finish(record, 'succeeded')
    if (outcome === 'final-error') return this.finish(record, 'failed', { reason: 'not-retried', message: `The function answered ${run.attempt.status}: a 4xx answer (other than 408 and 429) is not retried.` })
    if (record.attempts.length > retries) return this.finish(record, 'failed', { reason: 'retries-exhausted', message: `All ${record.attempts.length} attempt(s) failed (async.retries: ${retries}).` })
    const delay = backoffMs(record.attempts.length)
    if (Date.now() + delay > expiresAt) return this.finish(record, 'failed', expired())
    this.retryLater(lane, record, delay)
  }

  private retryLater(lane: FunctionLane, record: InvocationRecord, delay: number) {
    record.status = 'retrying'
    record.nextAttemptAt = new Date(Date.now() + delay).toISOString()
    lane.delayed++
    this.ledger.save(record)
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
    // The callback says the call is done: only once that is on disk, so a crash in between runs the call
    // again without a callback having claimed it finished (a callback is then at most repeated for one run).
    this.ledger.finished(record, record.callback ? () => this.callbacks.send(record) : undefined)
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
    for (const record of this.ledger.unrecorded()) consider(toSummary(record))
    for (const { summary } of this.ledger.summaries()) consider(summary)
    matching.sort((a, b) => b.acceptedAt.localeCompare(a.acceptedAt) || b.id.localeCompare(a.id))
    return { invocations: matching.slice(0, filter.limit ?? 100), counts }
  }

  /** The whole record of one invocation, or undefined when the agent has none by that id. */
  async get(id: string): Promise<InvocationRecord | undefined> {
    const live = this.live.get(id)
    if (live) await this.ledger.loadBody(live)
    return live ?? await this.ledger.get(id)
  }

  /**
   * Runs a finished invocation's call again, as a new invocation (`replayOf` links them; the function
   * sees the new id). The callback URL, if any, is checked again first. A call that came with credentials
   * is replayed only for a caller who may read them (`withCredentials`): replaying hands them to the
   * function's current code, which a deploy key can have just replaced.
   */
  async replay(id: string, notDeployed: (fn: string) => LambdaError, opts: { withCredentials: boolean }): Promise<AcceptedInvocation> {
    const record = await this.get(id)
    if (!record) throw invocationNotFound(id)
    if (record.request.sealed && !opts.withCredentials) {
      throw new LambdaError({
        code: 'REPLAY_NEEDS_ADMIN',
        status: 403,
        message: `Invocation ${id} came with credentials (${record.request.sealed.names.join(', ')}): replaying it hands them to the current code of "${record.function}", which a deploy key can change, so it takes an admin key.`,
        hint: `Replay it with an admin key: \`LAMBDA_API_KEY=<admin key> lambda invocation replay ${id}\`.`,
        data: { sealedHeaders: record.request.sealed.names },
      })
    }
    if (!isFinal(record.status)) {
      throw new LambdaError({ code: 'INVOCATION_NOT_FINISHED', status: 409, message: `Invocation ${id} is ${record.status}: only a finished one can be replayed.`, hint: `Wait for it to finish (\`lambda invocation ${id}\`).` })
    }
    if (!versionFor(this.opts.serving, record)) throw notDeployed(record.function)
    if (record.callback) await this.checkCallback(record.callback.url)
    const slot = this.reserve(record.function)
    try {
      const { method, path, headers, body } = record.request
      return await slot.accept({ function: record.function, version: record.version, request: { method, path, headers: { ...headers, ...this.credentialsOf(record) }, body: Buffer.from(body, 'base64') }, callbackUrl: record.callback?.url, replayOf: id })
    }
    finally {
      slot.release()
    }
  }

  /** The call's own credentials, for an attempt or a replay; one that will not open runs without them, said once in the log. */
  private credentialsOf(record: InvocationRecord): Record<string, string> | undefined {
    const sealed = record.request.sealed
    if (!sealed) return undefined
    const opened = this.opts.credentials.open(record.id, sealed)
    if (!opened) this.opts.warn?.(`Invocation ${record.id} of ${record.function}: its stored credentials (${sealed.names.join(', ')}) do not open with this agent's key; it runs without them.`)
    return opened
  }

  prune(now = Date.now()): Promise<number> {
    return this.ledger.prune(this.opts.retentionMs, this.opts.failedRetentionMs, now)
  }

  /**
   * Stops the workers and the callbacks. Calls still running are not recorded as failed: they run
   * again at the next start. Waits, briefly, for what is being written.
   */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.pruneTimer)
    for (const unregister of this.unregisterGauges.splice(0)) unregister()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.callbacks.stop()
    await Promise.race([this.ledger.settled(), new Promise(resolve => setTimeout(resolve, 5000).unref())])
    this.ledger.stop()
  }
}

function goneFailure(record: InvocationRecord): InvocationFailure {
  return {
    reason: 'function-gone',
    message: record.version === undefined ? `Function "${record.function}" is no longer deployed.` : `Version ${record.version} of "${record.function}" is no longer kept.`,
  }
}
