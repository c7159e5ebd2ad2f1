/** The limit one bucket enforces. */
export interface BucketLimit {
  perSecond: number
  burst: number
}

/** What a request learns from its bucket: enough for the 429 and the `RateLimit` headers. */
export interface TakeResult {
  allowed: boolean
  /** Whole requests left after this one. */
  remaining: number
  /** Seconds until one more request would be allowed (0 when one is). */
  retryAfter: number
  /** Seconds until the bucket is full again. */
  resetSeconds: number
}

/**
 * A token bucket refilled lazily on each take: no timer, no promise, two numbers of state, so a
 * limited function pays a few arithmetic operations per request. Hand-written: the npm limiters
 * (rate-limiter-flexible, limiter) are promise-based or timer-based, a cost on every request here.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(readonly limit: BucketLimit, now = performance.now()) {
    this.tokens = limit.burst
    this.last = now
  }

  take(now = performance.now()): TakeResult {
    const { perSecond, burst } = this.limit
    this.tokens = Math.min(burst, this.tokens + ((now - this.last) / 1000) * perSecond)
    this.last = now
    const allowed = this.tokens >= 1
    if (allowed) this.tokens -= 1
    return {
      allowed,
      remaining: Math.floor(this.tokens),
      retryAfter: allowed ? 0 : Math.ceil((1 - this.tokens) / perSecond),
      resetSeconds: Math.ceil((burst - this.tokens) / perSecond),
    }
  }
}
