import { describe, expect, it } from 'vitest'
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
      if (i > 0) expect(at.getTime() - due[i - 1]!.getTime()).toBe(1000)
    }
    console.log(`cron timer lateness (ms): ${due.map((at, i) => firedAt[i]! - at.getTime()).join(', ')}`)
    const count = due.length
    await new Promise(resolve => setTimeout(resolve, 1200))
    expect(due).toHaveLength(count)
  })

  it('a time the process was too busy to reach is not replayed', async () => {
    const due: Date[] = []
    const timer = new CronTimer(parseCron('* * * * * *'), scheduledAt => due.push(scheduledAt))
    timer.start()
    await new Promise(resolve => setTimeout(resolve, 1100 - (Date.now() % 1000)))
    // Blocks the event loop across two due times.
    const until = Date.now() + 2500
    while (Date.now() < until);
    await new Promise(resolve => setTimeout(resolve, 600))
    timer.stop()
    const gaps = due.slice(1).map((at, i) => at.getTime() - due[i]!.getTime())
    // The first time due while blocked fires late, once; the next one it missed is skipped, not fired in a burst.
    expect(gaps).toContain(2000)
    expect(due.length).toBeLessThanOrEqual(3)
  })
})
