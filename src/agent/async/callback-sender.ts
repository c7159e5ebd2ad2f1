import type { CallbackPolicy, Lookup } from './callback-policy'
import type { InvocationRecord } from './invocation-record'
import { ASYNC_LIMITS } from './async-limits'
import { deliverCallback } from './deliver-callback'
import { callbackPayload } from './invocation-views'

export interface CallbackSenderOptions {
  policy: CallbackPolicy
  lookup?: Lookup
  /** Called after each change of `record.callback`, to store it. */
  persist: (record: InvocationRecord) => void
  /** Deliveries in progress at once. Default: 32. */
  parallel?: number
}

/**
 * Delivers the results of finished invocations to their `X-Callback-Url`: a few at a time, retried
 * after 1 s and 2 s when the server cannot be reached or answers 5xx. Each try is recorded on the
 * invocation. Stopping leaves undelivered callbacks `pending`; the next start sends them.
 */
export class CallbackSender {
  private readonly queue: InvocationRecord[] = []
  private running = 0
  private stopped = false
  private readonly sleepers = new Set<() => void>()

  constructor(private readonly opts: CallbackSenderOptions) {}

  send(record: InvocationRecord): void {
    if (record.callback?.status !== 'pending') return
    this.queue.push(record)
    this.next()
  }

  stop(): void {
    this.stopped = true
    for (const wake of this.sleepers) wake()
  }

  private next() {
    while (!this.stopped && this.running < (this.opts.parallel ?? 32) && this.queue.length > 0) {
      const record = this.queue.shift()!
      this.running++
      void this.deliver(record).finally(() => {
        this.running--
        this.next()
      })
    }
  }

  private async deliver(record: InvocationRecord): Promise<void> {
    const callback = record.callback!
    while (!this.stopped && callback.attempts < ASYNC_LIMITS.callback.attempts) {
      if (callback.attempts > 0) await this.sleep(1000 * 2 ** (callback.attempts - 1))
      if (this.stopped) return
      const outcome = await deliverCallback(callback.url, callbackPayload(record), this.opts.policy, {
        lookup: this.opts.lookup,
        headers: { 'x-lambda-invocation-id': record.id, 'x-lambda-invocation-status': record.status },
      })
      if (this.stopped) return
      callback.attempts++
      callback.at = new Date().toISOString()
      callback.responseStatus = outcome.status
      callback.error = outcome.error
      if (outcome.delivered || !outcome.retry || callback.attempts >= ASYNC_LIMITS.callback.attempts) {
        callback.status = outcome.delivered ? 'delivered' : 'failed'
        if (outcome.delivered) delete callback.error
        this.opts.persist(record)
        return
      }
      this.opts.persist(record)
    }
    // Loaded after a stop that came between the last try and its outcome being stored.
    if (!this.stopped && callback.status === 'pending') {
      callback.status = 'failed'
      this.opts.persist(record)
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.sleepers.add(wake)
    })
  }
}
