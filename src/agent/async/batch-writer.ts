import { randomBytes } from 'node:crypto'
import { ASYNC_LIMITS } from './async-limits'

interface Waiting<T> {
  item: T
  bytes: number
  resolve: (batch: string) => void
  reject: (error: unknown) => void
}

/** Sorts by time of writing, and never collides with a batch of an earlier run. */
const batchKey = () => `${Date.now().toString(36).padStart(10, '0')}-${randomBytes(4).toString('hex')}`

/**
 * Group commit: each durable write (fsync of the file and of its folder) costs about a millisecond
 * whatever it holds, so items that arrive while one is being written wait and go together in the next.
 * One item alone is written at once; under load each write carries many. `add` resolves once the item
 * is on disk, with the key of the batch that holds it.
 */
export class BatchWriter<T> {
  private waiting: Array<Waiting<T>> = []
  private flushing: Promise<void> | undefined

  constructor(
    private readonly write: (key: string, items: T[]) => Promise<void>,
    private readonly sizeOf: (item: T) => number,
    /** How long the first item waits for others before a write: 0 for writes someone waits for. */
    private readonly gatherMs = 0,
  ) {}

  add(item: T): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, bytes: this.sizeOf(item), resolve, reject })
      this.kick()
    })
  }

  /** Resolves once every item added so far is written (or refused). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing
  }

  private kick() {
    if (this.flushing || this.waiting.length === 0) return
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined
      // An item added between the last write and this line would otherwise wait for the next one.
      this.kick()
    })
  }

  private async flush(): Promise<void> {
    if (this.gatherMs > 0) await new Promise(resolve => setTimeout(resolve, this.gatherMs))
    while (this.waiting.length > 0) {
      let count = 0
      let bytes = 0
      while (count < this.waiting.length && count < ASYNC_LIMITS.batchMaxCalls && (count === 0 || bytes + this.waiting[count]!.bytes <= ASYNC_LIMITS.batchMaxBytes)) bytes += this.waiting[count++]!.bytes
      const batch = this.waiting.splice(0, count)
      const key = batchKey()
      try {
        await this.write(key, batch.map(w => w.item))
        for (const w of batch) w.resolve(key)
      }
      catch (error) {
        for (const w of batch) w.reject(error)
      }
    }
  }
}
