import type { InvocationRecord } from './invocation-record'

interface Pending {
  record: InvocationRecord
  /** Changed again since the write in progress started. */
  dirty: boolean
  writing: boolean
  /** Resolved once a write that began after their save() is on disk. */
  waiters: Array<(saved: boolean) => void>
  after: Array<(saved: boolean) => void>
}

/**
 * Writes invocation records off the hot path: a worker moves on as soon as its call ends, and the
 * record follows. Saves of one record are coalesced (a write in progress, then one more with the latest
 * state), and only `parallel` writes run at once, so a burst of completions never queues thousands of
 * file operations. `save` resolves with whether the state it saw reached the store.
 */
export class RecordWriter {
  private readonly pending = new Map<string, Pending>()
  private readonly queue: Pending[] = []
  private running = 0
  private idleWaiters: Array<() => void> = []

  constructor(
    private readonly put: (record: InvocationRecord) => Promise<void>,
    private readonly onError: (record: InvocationRecord, error: unknown) => void,
    private readonly parallel = 16,
  ) {}

  save(record: InvocationRecord): Promise<boolean> {
    return new Promise((resolve) => {
      let entry = this.pending.get(record.id)
      if (!entry) {
        entry = { record, dirty: false, writing: false, waiters: [], after: [] }
        this.pending.set(record.id, entry)
        this.queue.push(entry)
      }
      entry.record = record
      if (entry.writing) {
        entry.dirty = true
        entry.after.push(resolve)
      }
      else {
        entry.waiters.push(resolve)
      }
      this.next()
    })
  }

  /** The record as it will be written, while a write is due: fresher than the store's copy. */
  unsaved(id: string): InvocationRecord | undefined {
    return this.pending.get(id)?.record
  }

  async idle(): Promise<void> {
    if (this.pending.size === 0) return
    await new Promise<void>(resolve => this.idleWaiters.push(resolve))
  }

  private next() {
    while (this.running < this.parallel && this.queue.length > 0) {
      const entry = this.queue.shift()!
      this.running++
      void this.write(entry).finally(() => {
        this.running--
        this.next()
        if (this.pending.size === 0) {
          for (const wake of this.idleWaiters.splice(0)) wake()
        }
      })
    }
  }

  private async write(entry: Pending): Promise<void> {
    entry.writing = true
    const waiters = entry.waiters.splice(0)
    let saved = true
    try {
      await this.put(entry.record)
    }
    catch (error) {
      saved = false
      this.onError(entry.record, error)
    }
    entry.writing = false
    for (const resolve of waiters) resolve(saved)
    if (entry.dirty) {
      entry.dirty = false
      entry.waiters.push(...entry.after.splice(0))
      this.queue.push(entry)
    }
    else {
      this.pending.delete(entry.record.id)
    }
  }
}
