import type { Storage } from 'unstorage'
import type { InvocationSummary } from '../../api/admin-api'
import type { CredentialSeal } from '../secrets/credential-seal'
import type { InvocationRecord } from './invocation-record'
import { isCredentialHeader } from '../secrets/credential-seal'
import { ASYNC_LIMITS } from './async-limits'
import { BatchWriter } from './batch-writer'
import { isFinal } from './invocation-record'
import { createInvocationStore } from './invocation-store'
import { toSummary } from './invocation-views'
import { RecordWriter } from './record-writer'

/** How often an outcome the disk refused is written again. */
const OUTCOME_RETRY_MS = 2000

/** Bodies larger than this wait on disk rather than in memory until their call runs. */
const IN_MEMORY_BODY_CHARS = 64 * 1024

type Outcome = 'succeeded' | 'failed'

/** A finished invocation: its summary in memory, the record itself in a done batch (or its own record). */
interface Kept {
  summary: InvocationSummary
  /** The `succeeded` or `failed` batch that holds it. */
  done?: string
}

const sizeOf = (record: InvocationRecord) => record.request.body.length + (record.result?.body.length ?? 0) + 2048

/** How a finished call whose outcome is not on disk yet is shown: its attempts, but not yet an outcome. */
function asRunning(record: InvocationRecord): InvocationRecord {
  const { finishedAt: _finishedAt, failure: _failure, ...rest } = record
  return { ...rest, status: 'running' }
}

function addTo(groups: Map<string, Set<string>>, key: string, id: string) {
  let members = groups.get(key)
  if (!members) groups.set(key, members = new Set())
  members.add(id)
}

/** What a stored record must have to be loaded; anything else is skipped. */
function isRecord(value: InvocationRecord): boolean {
  return typeof value?.id === 'string' && typeof value.function === 'string' && typeof value.acceptedAt === 'string'
    && typeof value.request?.method === 'string' && typeof value.request.path === 'string' && typeof value.request.body === 'string'
    && typeof value.request.headers === 'object' && Array.isArray(value.attempts)
}

/**
 * Where each invocation's durable copy is, and the finished ones the agent keeps. A call is written
 * to an `inbox` batch before its 202 and, once finished, to a `succeeded` or `failed` batch (group-committed: one
 * durable write carries many calls); a retry that is due or a callback sent meanwhile gives it a record
 * of its own. Every copy holds the whole call, so a batch is removed as soon as each call in it has a
 * later copy (inbox) or has been pruned (done). After a crash, the newest copy of each call wins: its
 * own record, unless that says "retrying" and a done batch says how it ended.
 */
export class InvocationLedger {
  private readonly store
  private readonly inbox
  private readonly done
  private readonly writer
  /** Finished, their `done` batch not written yet. */
  private readonly finishing = new Map<string, InvocationRecord>()
  private readonly kept = new Map<string, Kept>()
  /** Kept failed invocations per function (the dead letters), counted as they come and go. */
  private readonly failedCounts = new Map<string, number>()
  /** The calls whose only durable copy is in each inbox batch, and the kept calls of each done batch. */
  private readonly inboxBatches = new Map<string, Set<string>>()
  private readonly inboxOf = new Map<string, string>()
  private readonly doneBatches = { succeeded: new Map<string, Set<string>>(), failed: new Map<string, Set<string>>() }
  /** Invocations with a record of their own in the store. */
  private readonly owned = new Set<string>()
  /** Large bodies left on disk until their call runs. */
  private readonly offloaded = new Set<string>()
  /** Finished calls whose outcome the disk refused so far, written again every OUTCOME_RETRY_MS. */
  private readonly unsavedOutcomes = new Map<string, InvocationRecord>()
  private readonly retryTimers = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor(storage: Storage, private readonly warn: (message: string) => void, private readonly seal: CredentialSeal) {
    this.store = createInvocationStore(storage)
    this.inbox = new BatchWriter<InvocationRecord>((key, records) => this.store.inbox.put(key, records), sizeOf)
    // Nobody waits for a done batch (the outcome is in memory at once): gathering for a moment makes each write carry more.
    const doneWriter = (outcome: Outcome) => new BatchWriter<InvocationRecord>((key, records) => this.store.done[outcome].put(key, records), sizeOf, 20)
    this.done = { succeeded: doneWriter('succeeded'), failed: doneWriter('failed') }
    this.writer = new RecordWriter(record => this.store.put(record), (record, error) => {
      // An outcome being written again warned once already.
      if (!this.unsavedOutcomes.has(record.id)) warn(`Could not store invocation ${record.id} of ${record.function}: ${(error as Error).message}`)
    })
  }

  /** Resolves once the accepted call is on disk (the 202 may then go out). */
  async accept(record: InvocationRecord): Promise<void> {
    this.remember(record, await this.inbox.add(record))
  }

  /** Stores a change of state (a retry is due, a callback was sent) in the invocation's own record, in the background. */
  save(record: InvocationRecord): void {
    this.owned.add(record.id)
    void this.writer.save(record).then((saved) => {
      if (saved) this.release(record.id)
    })
  }

  /**
   * Keeps a finished invocation, in a done batch soon after. Until that is on disk it shows as running (see
   * `unrecorded`): a call shown succeeded or failed never runs again, whatever happens to the agent.
   * `onRecorded` runs once it is on disk, however long the disk takes to take it.
   */
  finished(record: InvocationRecord, onRecorded?: () => void): void {
    this.finishing.set(record.id, record)
    const outcome = record.status as Outcome
    this.done[outcome].add(record).then((batch) => {
      this.keep({ summary: toSummary(record), done: batch })
      addTo(this.doneBatches[outcome], batch, record.id)
      this.release(record.id)
      onRecorded?.()
    }, (error) => {
      this.warn(`Could not store the outcome of invocation ${record.id} of ${record.function}: ${(error as Error).message}. It is written again every few seconds; until then a restart of the agent runs the call again (at-least-once).`)
      this.saveOutcome(record, onRecorded)
    }).finally(() => this.finishing.delete(record.id))
  }

  /**
   * An outcome the disk refused (full, say) is written again until it is on disk: only then does the call's
   * inbox copy go, so a restart before that runs the call again, and one after it never does.
   */
  private saveOutcome(record: InvocationRecord, onRecorded?: () => void): void {
    this.owned.add(record.id)
    this.unsavedOutcomes.set(record.id, record)
    void this.writer.save(record).then((saved) => {
      if (saved) {
        this.unsavedOutcomes.delete(record.id)
        this.keep({ summary: toSummary(record) })
        this.release(record.id)
        onRecorded?.()
        return
      }
      if (this.stopped) return
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer)
        this.saveOutcome(record, onRecorded)
      }, OUTCOME_RETRY_MS)
      this.retryTimers.add(timer)
    })
  }

  /** Finished calls whose outcome is not on disk yet: a restart now would run them again. */
  unsavedOutcomeCount(): number {
    return this.unsavedOutcomes.size
  }

  summaries(): IterableIterator<Kept> {
    return this.kept.values()
  }

  /** Function → kept failed invocations (the `async_dead_letters` gauge). */
  deadLetterCounts(): ReadonlyMap<string, number> {
    return this.failedCounts
  }

  private keep(kept: Kept): void {
    const { id, function: fn, status } = kept.summary
    const before = this.kept.get(id)
    if (before) this.forget(before.summary)
    this.kept.set(id, kept)
    if (status === 'failed') this.failedCounts.set(fn, (this.failedCounts.get(fn) ?? 0) + 1)
  }

  private forget(summary: InvocationSummary): void {
    if (!this.kept.delete(summary.id) || summary.status !== 'failed') return
    const left = (this.failedCounts.get(summary.function) ?? 1) - 1
    if (left > 0) this.failedCounts.set(summary.function, left)
    else this.failedCounts.delete(summary.function)
  }

  /** Finished calls whose outcome is not on disk yet, shown as still running: a crash now would run them again. */
  * unrecorded(): Iterable<InvocationRecord> {
    for (const record of this.finishing.values()) yield asRunning(record)
    for (const record of this.unsavedOutcomes.values()) {
      if (!this.finishing.has(record.id)) yield asRunning(record)
    }
  }

  /** A finished invocation's whole record (or one being written), or undefined. */
  async get(id: string): Promise<InvocationRecord | undefined> {
    const unrecorded = this.finishing.get(id) ?? this.unsavedOutcomes.get(id)
    if (unrecorded) return asRunning(unrecorded)
    const inMemory = this.writer.unsaved(id)
    if (inMemory) return inMemory
    const kept = this.kept.get(id)
    if (!kept) return undefined
    if (this.owned.has(id)) {
      const own = await this.store.get(kept.summary.function, id)
      if (own && (isFinal(own.status) || !kept.done)) return own
    }
    return kept.done ? (await this.store.done[kept.summary.status as Outcome].get(kept.done))?.find(record => record.id === id) : undefined
  }

  /** Brings back a body left on disk, before the call runs or is shown. */
  async loadBody(record: InvocationRecord): Promise<void> {
    if (!this.offloaded.has(record.id)) return
    const batch = this.inboxOf.get(record.id)
    const stored = batch ? (await this.store.inbox.get(batch))?.find(call => call.id === record.id) : await this.store.get(record.function, record.id)
    record.request.body = stored?.request?.body ?? ''
    this.offloaded.delete(record.id)
  }

  /**
   * Reads what an earlier run left: the unfinished calls (oldest first), and the finished ones, which
   * are kept. Batches nothing needs any more are removed.
   */
  async load(): Promise<{ unfinished: InvocationRecord[], finished: InvocationRecord[] }> {
    const best = new Map<string, InvocationRecord>()
    let sealed = 0
    for (const record of await this.store.list()) {
      if (!isRecord(record)) continue
      if (this.sealCredentials(record)) {
        await this.store.put(record)
        sealed++
      }
      best.set(record.id, record)
      this.owned.add(record.id)
    }
    const doneOf = new Map<string, string>()
    for (const outcome of ['succeeded', 'failed'] as const) {
      for (const { key, records } of await this.store.done[outcome].list()) {
        sealed += await this.sealBatch(records, () => this.store.done[outcome].put(key, records))
        for (const record of records) {
          if (!isRecord(record) || record.status !== outcome) continue
          const own = best.get(record.id)
          if (!own || !isFinal(own.status)) best.set(record.id, record)
          doneOf.set(record.id, key)
          addTo(this.doneBatches[outcome], key, record.id)
        }
        if (!this.doneBatches[outcome].has(key)) await this.store.done[outcome].remove(key)
      }
    }
    for (const { key, records } of await this.store.inbox.list()) {
      sealed += await this.sealBatch(records, () => this.store.inbox.put(key, records))
      for (const call of records) {
        if (!isRecord(call) || best.has(call.id)) continue
        best.set(call.id, call)
        this.remember(call, key)
      }
      if (!this.inboxBatches.has(key)) await this.store.inbox.remove(key)
    }
    if (sealed > 0) this.warn(`Sealed the credentials of ${sealed} stored asynchronous call(s) that an earlier version kept in the clear.`)
    const unfinished: InvocationRecord[] = []
    const finished: InvocationRecord[] = []
    for (const record of [...best.values()].sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt))) {
      if (!isFinal(record.status)) {
        unfinished.push(record)
        continue
      }
      this.keep({ summary: toSummary(record), done: doneOf.get(record.id) })
      finished.push(record)
    }
    return { unfinished, finished }
  }

  /**
   * Calls stored before credentials were sealed hold them in the clear: sealed now, in place. True when
   * the record changed (its stored copy must be written again).
   */
  private sealCredentials(record: InvocationRecord): boolean {
    const { headers, sealed } = record.request
    if (!Object.entries(headers).some(([name, value]) => isCredentialHeader(name, String(value)))) return false
    const earlier = sealed ? this.seal.open(record.id, sealed) : undefined
    const split = this.seal.split(record.id, { ...headers, ...earlier })
    record.request = { ...record.request, headers: split.headers, ...(split.sealed ? { sealed: split.sealed } : {}) }
    return true
  }

  /** Seals the credentials of a batch's calls and writes it again when any changed; how many changed. */
  private async sealBatch(records: InvocationRecord[], rewrite: () => Promise<void>): Promise<number> {
    const changed = records.filter(record => isRecord(record) && this.sealCredentials(record)).length
    if (changed > 0) await rewrite()
    return changed
  }

  /** Forgets finished invocations past their retention, and the oldest beyond the per-function bound. */
  async prune(retentionMs: number, failedRetentionMs: number, now = Date.now()): Promise<number> {
    const expired: InvocationSummary[] = []
    const groups = new Map<string, InvocationSummary[]>()
    for (const { summary } of this.kept.values()) {
      if (this.finishing.has(summary.id) || this.writer.unsaved(summary.id) || this.unsavedOutcomes.has(summary.id)) continue
      const retention = summary.status === 'failed' ? failedRetentionMs : retentionMs
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
    for (const { id, function: fn } of expired) {
      const { done, summary } = this.kept.get(id)!
      const outcome = summary.status as Outcome
      this.forget(summary)
      if (done) this.removeFrom(this.doneBatches[outcome], done, id, () => this.store.done[outcome].remove(done))
      if (this.owned.delete(id)) await this.store.remove(fn, id).catch(error => this.warn(`Could not remove invocation ${id}: ${(error as Error).message}`))
    }
    return expired.length
  }

  /** Resolves once what was accepted and finished so far is written (records of their own: briefly). */
  async settled(): Promise<void> {
    await Promise.all([this.inbox.settled(), this.done.succeeded.settled(), this.done.failed.settled(), this.writer.idle()])
  }

  /** No more retries of unsaved outcomes; says how many calls will run again after the restart. */
  stop(): void {
    this.stopped = true
    for (const timer of this.retryTimers) clearTimeout(timer)
    this.retryTimers.clear()
    if (this.unsavedOutcomes.size > 0) this.warn(`${this.unsavedOutcomes.size} asynchronous call(s) finished but their outcome could not be written (disk full?): they run again after the restart.`)
  }

  /** Until a later copy of it is on disk, a call's only durable copy is in its inbox batch. */
  private remember(record: InvocationRecord, batch: string) {
    this.inboxOf.set(record.id, batch)
    addTo(this.inboxBatches, batch, record.id)
    if (record.request.body.length > IN_MEMORY_BODY_CHARS) {
      record.request.body = ''
      this.offloaded.add(record.id)
    }
  }

  private release(id: string) {
    const batch = this.inboxOf.get(id)
    if (!batch) return
    this.inboxOf.delete(id)
    this.removeFrom(this.inboxBatches, batch, id, () => this.store.inbox.remove(batch))
  }

  /** Takes `id` out of its batch's members; the last one out removes the batch. */
  private removeFrom(groups: Map<string, Set<string>>, batch: string, id: string, remove: () => Promise<void>) {
    const members = groups.get(batch)
    members?.delete(id)
    if (members && members.size > 0) return
    groups.delete(batch)
    remove().catch(error => this.warn(`Could not remove the stored batch ${batch}: ${(error as Error).message}`))
  }
}
