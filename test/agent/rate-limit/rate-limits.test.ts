import { describe, expect, it } from 'vitest'
import { RateLimits } from '../../../src/agent/rate-limit/rate-limits'
import { TokenBucket } from '../../../src/agent/rate-limit/token-bucket'

describe('a token bucket', () => {
  it('allows the burst, refuses the next with the wait until one token, and refills with time', () => {
    const bucket = new TokenBucket({ perSecond: 2, burst: 3 }, 0)
    expect([1, 2, 3].map(() => bucket.take(0).allowed)).toEqual([true, true, true])
    expect(bucket.take(0)).toEqual({ allowed: false, remaining: 0, retryAfter: 1, resetSeconds: 2 })
    expect(bucket.take(500).allowed).toBe(true)
    expect(bucket.take(10_000).remaining).toBe(2)
  })
})

describe('the buckets of an agent', () => {
  it('never hold more than maxSize names, however many an attacker invents', () => {
    const limits = new RateLimits(100)
    for (let i = 0; i < 10_000; i++) limits.take(`random-${Math.random()}`, { perSecond: 1, burst: 1 })
    expect(limits.size).toBe(100)
  })

  it('starts a fresh bucket when the limit changes', () => {
    const limits = new RateLimits()
    expect(limits.take('fn:a', { perSecond: 1, burst: 1 }, 0).allowed).toBe(true)
    expect(limits.take('fn:a', { perSecond: 1, burst: 1 }, 0).allowed).toBe(false)
    expect(limits.take('fn:a', { perSecond: 1, burst: 2 }, 0).allowed).toBe(true)
  })
})
