import { afterEach, describe, expect, it, vi } from 'vitest'
import { CronTimer } from '../../../src/agent/schedules/cron-timer'
import { parseCron } from '../../../src/config/schema/schedule'

describe('the cron timer', () => {
  it('fires at each second of a 6-field expression, with the exact time each run was due', async () => {
    const due: Date[] = []
    const firedAt: number[] = []
    const timer = new CronTimer(parseCron('* * * * * *'), (scheduledAt) => {
      due.push(scheduledAt)
      firedAt.push(Date.now())
    })
    timer.start()
    await new Promise(resolve => setTimeout(resolve, 3200))
    timer.stop()
    expect(due.length).toBeGreaterThanOrEqual(2)
    for (const [i, at] of due.entries()) {
      expect(at.getUTCMilliseconds()).toBe(0)
      expect(firedAt[i]!).toBeGreaterThanOrEqual(at.getTime())
      // Whole seconds apart, each time once (a busy machine may drop one, never repeat or invent one).
      if (i > 0) expect((at.getTime() - due[i - 1]!.getTime()) % 1000).toBe(0)
      if (i > 0) expect(at.getTime()).toBeGreaterThan(due[i - 1]!.getTime())
    }
    console.log(`cron timer lateness (ms): ${due.map((at, i) => firedAt[i]! - at.getTime()).join(', ')}`)
    const count = due.length
    await new Promise(resolve => setTimeout(resolve, 1200))
    expect(due).toHaveLength(count)
  })

  it('a time the process was too busy to reach is not replayed', async () => {
    const due: number[] = []
    const timer = new CronTimer(parseCron('* * * * * *'), scheduledAt => due.push(scheduledAt.getTime()))
    timer.start()
    await new Promise(resolve => setTimeout(resolve, 1100 - (Date.now() % 1000)))
    // Blocks the event loop across two due times.
    const blockedUntil = Date.now() + 2500
    while (Date.now() < blockedUntil);
    await new Promise(resolve => setTimeout(resolve, 1200))
    timer.stop()
    // The first time due while blocked fires once, late; the next one it missed is dropped, not fired in a burst.
    expect(due.filter(at => at <= blockedUntil).length).toBeLessThanOrEqual(2)
    expect(due.slice(1).some((at, i) => at - due[i]! >= 2000)).toBe(true)
    expect(due.some(at => at > blockedUntil)).toBe(true)
  })

  describe('when the wall clock is set back', () => {
    afterEach(() => void vi.useRealTimers())

    const fireAround = (setBackMs: number) => {
      vi.useFakeTimers({ now: Date.parse('2026-12-08T03:00:00.500Z') })
      const due: string[] = []
      const timer = new CronTimer(parseCron('*/3 * * * * *'), scheduledAt => due.push(scheduledAt.toISOString().slice(11, 19)))
      timer.start()
      vi.advanceTimersByTime(9000)
      vi.setSystemTime(Date.now() - setBackMs)
      vi.advanceTimersByTime(setBackMs > 3600_000 ? 9000 : setBackMs + 9000)
      timer.stop()
      return due
    }

    it('by 10 minutes (NTP, a VM restored), a due time already fired is not fired again', () => {
      const due = fireAround(600_000)
      expect(due.slice(0, 3)).toEqual(['03:00:03', '03:00:06', '03:00:09'])
      expect(new Set(due).size).toBe(due.length)
      // Once the clock is past the last time fired, the schedule goes on from there.
      expect(due.at(-1)! > '03:00:09').toBe(true)
    })

    it('by more than 3 hours, the clock was wrong before: the schedule follows it', () => {
      const due = fireAround(4 * 3600_000)
      expect(due.slice(0, 3)).toEqual(['03:00:03', '03:00:06', '03:00:09'])
      expect(due.slice(3).length).toBeGreaterThanOrEqual(2)
      expect(due.slice(3).every(at => at.startsWith('23:00:'))).toBe(true)
    })
  })
})
