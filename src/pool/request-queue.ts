export interface QueuedRequest<T> {
  /** When it joined the queue (performance.now()), to tell a cold start from a slot freed by another request. */
  readonly since: number
  resolve: (value: T) => void
  reject: (error: Error) => void
}

/**
 * Requests waiting for a free slot, served first come, first served: under a burst, a request that
 * arrived first is answered first, whichever instance frees up or starts. One that waits past its
 * limit leaves the queue with the error `expired` makes.
 */
export class RequestQueue<T> {
  private readonly waiting: Array<QueuedRequest<T> & { timer?: NodeJS.Timeout }> = []

  get size(): number {
    return this.waiting.length
  }

  /** Joins the queue; past `timeoutMs` (when set) the promise rejects and the request leaves. */
  add(timeoutMs: number | undefined, expired: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: QueuedRequest<T> & { timer?: NodeJS.Timeout } = { since: performance.now(), resolve, reject }
      if (timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          const index = this.waiting.indexOf(entry)
          if (index === -1) return
          this.waiting.splice(index, 1)
          reject(expired())
        }, timeoutMs)
        entry.timer.unref()
      }
      this.waiting.push(entry)
    })
  }

  /** The request that has waited longest, taken out of the queue. */
  next(): QueuedRequest<T> | undefined {
    const entry = this.waiting.shift()
    if (entry) clearTimeout(entry.timer)
    return entry
  }

  rejectAll(error: Error): void {
    for (const entry of this.waiting.splice(0)) {
      clearTimeout(entry.timer)
      entry.reject(error)
    }
  }
}
