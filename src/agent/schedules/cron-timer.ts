import type { Cron } from 'croner'

/**
 * The longest single wait. Timers run on a monotonic clock, schedules on the wall clock: waking at
 * least this often keeps a schedule on time when the wall clock is set (NTP, a suspended VM).
 */
const MAX_WAIT_MS = 30_000
/** A wall clock set back further than this was wrong before (a correction), as Vixie cron reckons: schedules follow it. */
const CLOCK_CORRECTION_MS = 3 * 3600_000

/**
 * Calls `onTime` at each time `cron` matches, with that time. Croner only evaluates; the timer is
 * this one, so every run knows the exact time it was due (for the function, the history and the
 * lateness). A time the process was too busy to reach is not replayed: after a late run, the next
 * is the first one still ahead.
 */
export class CronTimer {
  private timer?: NodeJS.Timeout
  private next?: number
  private lastFired?: number
  private readonly cron: Cron
  private readonly onTime: (scheduledAt: Date) => void

  constructor(cron: Cron, onTime: (scheduledAt: Date) => void) {
    this.cron = cron
    this.onTime = onTime
  }

  get running(): boolean {
    return this.timer !== undefined
  }

  /** Fires from the first time after `after` (default: now). */
  start(after = Date.now()): void {
    this.stop()
    this.arm(after)
  }

  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.next = undefined
  }

  private arm(after: number): void {
    this.next = this.cron.nextRun(new Date(after))?.getTime()
    if (this.next === undefined) return void (this.timer = undefined)
    this.wait()
  }

  private wait(): void {
    const delay = this.next! - Date.now()
    this.timer = setTimeout(() => this.wake(), Math.min(Math.max(0, delay), MAX_WAIT_MS))
    this.timer.unref()
  }

  private wake(): void {
    const due = this.next!
    // Early (a long wait cut short, or the wall clock was set back): what is next from now?
    if (Date.now() < due) return this.arm(this.resumeFrom(Date.now()))
    this.arm(Math.max(due, Date.now()))
    this.lastFired = due
    this.onTime(new Date(due))
  }

  /**
   * After the wall clock was set back, a time already fired is not fired again (as Vixie cron does): a
   * job that charges a card runs once per due time. Set back by more than 3 hours, the clock was wrong
   * before, and the schedule follows it.
   */
  private resumeFrom(now: number): number {
    const last = this.lastFired
    if (last === undefined || now <= last - CLOCK_CORRECTION_MS) return now
    return Math.max(now, last)
  }
}
