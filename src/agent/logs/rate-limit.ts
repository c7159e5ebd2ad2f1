/**
 * A token bucket: `rate` lines a second on average, bursts up to one second's worth. What it refuses
 * is counted, so the log can say how many lines are missing and why.
 */
export class LineRateLimit {
  private tokens: number
  private last: number
  /** Lines refused since the last `takeDropped()`. */
  dropped = 0

  constructor(private readonly rate: number, now = Date.now()) {
    this.tokens = rate
    this.last = now
  }

  allow(now = Date.now()): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate)
      this.last = now
    }
    if (this.tokens >= 1) {
      this.tokens--
      return true
    }
    this.dropped++
    return false
  }

  /** The refused lines not reported yet; resets the count. */
  takeDropped(): number {
    const dropped = this.dropped
    this.dropped = 0
    return dropped
  }
}
