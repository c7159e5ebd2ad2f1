import type { BucketLimit, TakeResult } from './token-bucket'
import { LambdaError } from '../../errors'
import { TokenBucket } from './token-bucket'

/**
 * One bucket per name (a deployed function, a stored key's id), kept in this agent's memory: limits
 * are per agent, not global across several. Callers only ever pass names that exist (looked up after
 * the function is found or the key verified), so random hosts or keys never create a bucket; `maxSize`
 * is the guard if one ever does: the oldest bucket goes first.
 */
export class RateLimits {
  private readonly buckets = new Map<string, TokenBucket>()
  /** 429s per name since the agent started; names come from `take`, so the map is as bounded as the buckets'. */
  private readonly limited = new Map<string, number>()

  constructor(readonly maxSize = 10_000) {}

  get size(): number {
    return this.buckets.size
  }

  /** Takes one request from `name`'s bucket; a changed limit (a redeploy, a key change) starts a fresh bucket. */
  take(name: string, limit: BucketLimit, now?: number): TakeResult {
    let bucket = this.buckets.get(name)
    if (!bucket || bucket.limit.perSecond !== limit.perSecond || bucket.limit.burst !== limit.burst) {
      if (bucket) this.buckets.delete(name)
      else if (this.buckets.size >= this.maxSize) this.buckets.delete(this.buckets.keys().next().value!)
      bucket = new TokenBucket({ perSecond: limit.perSecond, burst: limit.burst }, now)
      this.buckets.set(name, bucket)
    }
    const result = bucket.take(now)
    if (!result.allowed && (this.limited.has(name) || this.limited.size < this.maxSize)) this.limited.set(name, (this.limited.get(name) ?? 0) + 1)
    return result
  }

  /** For the `rate_limited` metric: 429s per name that starts with `prefix`, the prefix cut off. */
  * limitedCounts(prefix: string): Iterable<readonly [string, number]> {
    for (const [name, count] of this.limited) {
      if (name.startsWith(prefix)) yield [name.slice(prefix.length), count]
    }
  }

  forget(name: string): void {
    this.buckets.delete(name)
  }
}

/**
 * The headers of draft-ietf-httpapi-ratelimit-headers (-09): `RateLimit-Policy` names the policy
 * (quota `q`, window `w` in seconds), `RateLimit` says what is left of it (`r`) and when it is full (`t`).
 */
export function rateLimitHeaders(policy: string, limit: BucketLimit, result: TakeResult): Record<string, string> {
  const window = Math.max(1, Math.ceil(limit.burst / limit.perSecond))
  return {
    'ratelimit-policy': `"${policy}";q=${limit.burst};w=${window}`,
    'ratelimit': `"${policy}";r=${result.remaining};t=${result.resetSeconds}`,
  }
}

/** The 429 a request over its limit gets, with what to do about it. */
export function rateLimited(what: string, limit: BucketLimit, result: TakeResult, fix: string): LambdaError {
  return new LambdaError({
    code: 'RATE_LIMITED',
    status: 429,
    message: `${what} is over its rate limit of ${limit.perSecond} requests a second (burst ${limit.burst}).`,
    hint: `Retry after ${result.retryAfter} s (the Retry-After header), send fewer requests, or ${fix}.`,
    data: { retryAfter: result.retryAfter },
  })
}
