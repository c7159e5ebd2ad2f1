export interface QueuedRequest<T> {
  /** When it joined the queue (performance.now()), to tell a cold start from a slot freed by another request. */
  readonly since: number
  resolve: (value: T) => void
  reject: (error: Error) => void
}

export interface QueueEntryOptions {
  /** Past this many ms the request leaves the queue with the error `expired` makes. */
  timeoutMs?: number
  expired: () => Error
  /** Aborted when nobody waits for the answer any more (the client went away): it leaves the queue at once. */
  signal?: AbortSignal
  /** The error an abort rejects with. */
  abandoned?: () => Error
}

type Entry<T> = QueuedRequest<T> & { timer?: NodeJS.Timeout, signal?: AbortSignal, onAbort?: () => void }

/**
 * Requests waiting for a free slot, served first come, first served: under a burst, a request that
 * arrived first is answered first, whichever instance frees up or starts. One that waits past its
 * limit, or whose client left, leaves the queue and is never handed a slot: nobody would read its answer,
 * and its work would only delay the requests still waited for.
 */
export class RequestQueue<T> {
  private readonly waiting: Array<Entry<T>> = []

  get size(): number {
    return this.waiting.length
  }

  add(opts: QueueEntryOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry<T> = { since: performance.now(), resolve, reject }
      const leave = (error: Error) => {
        if (!this.remove(entry)) return
        reject(error)
      }
      if (opts.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => leave(opts.expired()), Math.max(0, opts.timeoutMs))
        entry.timer.unref()
      }
      if (opts.signal) {
        if (opts.signal.aborted) return reject((opts.abandoned ?? opts.expired)())
        entry.signal = opts.signal
        entry.onAbort = () => leave((opts.abandoned ?? opts.expired)())
        opts.signal.addEventListener('abort', entry.onAbort, { once: true })
      }
      this.waiting.push(entry)
    })
  }

  /** The request that has waited longest, taken out of the queue. */
  next(): QueuedRequest<T> | undefined {
    const entry = this.waiting.shift()
    if (entry) this.forget(entry)
    return entry
  }

  rejectAll(error: Error): void {
    for (const entry of this.waiting.splice(0)) {
      this.forget(entry)
      entry.reject(error)
    }
  }

  private remove(entry: Entry<T>): boolean {
    const index = this.waiting.indexOf(entry)
    if (index === -1) return false
    this.waiting.splice(index, 1)
    this.forget(entry)
    return true
  }

  private forget(entry: Entry<T>) {
    clearTimeout(entry.timer)
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort)
  }
}
