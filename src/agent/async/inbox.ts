import type { InvocationRecord } from './invocation-record'
import type { InvocationStore } from './invocation-store'
import { randomBytes } from 'node:crypto'
import { ASYNC_LIMITS } from './async-limits'

interface Waiting {
  record: InvocationRecord
  bytes: number
  resolve: (batch: string) => void
  reject: (error: unknown) => void
}

/** Sorts by time of writing, and never collides with a batch of an earlier run. */
const batchKey = () => `${Date.now().toString(36).padStart(10, '0')}-${randomBytes(4).toString('hex')}`

/**
 * Group commit of accepted calls: each durable write (fsync of the file and its folder) costs about a
 * millisecond, so calls that arrive while one is being written wait and go together in the next. One
 * caller alone is written at once; under load each write answers many. `add` resolves once the call is
 * on disk, with the batch that holds it.
 */
export class Inbox {
  private waiting: Waiting[] = []
  private flushing: Promise<void> | undefined

  constructor(private readonly store: InvocationStore) {}

  add(record: InvocationRecord): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ record, bytes: record.request.body.length + 1024, resolve, reject })
      this.kick()
    })
  }

  /** Resolves once every call added so far is written (or refused). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing
  }

  private kick() {
    if (this.flushing || this.waiting.length === 0) return
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined
      // A call added between the last write and this line would otherwise wait for the next caller.
      this.kick()
    })
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      let count = 0
      let bytes = 0
      while (count < this.waiting.length && count < ASYNC_LIMITS.batchMaxCalls && (count === 0 || bytes + this.waiting[count]!.bytes <= ASYNC_LIMITS.batchMaxBytes)) bytes += this.waiting[count++]!.bytes
      const batch = this.waiting.splice(0, count)
      const key = batchKey()
      try {
        await this.store.putBatch(key, batch.map(w => w.record))
        for (const w of batch) w.resolve(key)
      }
      catch (error) {
        for (const w of batch) w.reject(error)
      }
    }
  }
}
