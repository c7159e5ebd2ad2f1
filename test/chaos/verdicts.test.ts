// The chaos campaign's verdicts (chaos/): what it calls a hang, a clear failure, a schedule time fired
// twice or missed. The campaign itself runs as `npm run test:chaos`; these pin the rules it judges by.
import { describe, expect, it } from 'vitest'
import { classify } from '../../chaos/load.mjs'
import { TICK_EVERY_MS } from '../../chaos/project.mjs'
import { checkSchedule } from '../../chaos/schedules.mjs'

const at = (ms: number) => new Date(ms).toISOString()
const run = (ms: number, trigger = 'schedule') => ({ scheduledAt: at(ms), startedAt: at(ms + 5), trigger })
const base = 1_800_000_000_000 - (1_800_000_000_000 % TICK_EVERY_MS)

describe('a request\'s outcome as the campaign counts it', () => {
  it('a 5xx with a request id is clear, without one it is not', () => {
    expect(classify({ status: 502, requestId: 'r1' })).toBe('clear-5xx')
    expect(classify({ status: 500 })).toBe('unclear-5xx')
  })

  it('a 429 or 503 with a request id is load shed, a refused connection is the agent restarting, no answer is a hang', () => {
    expect(classify({ status: 429, requestId: 'r2' })).toBe('shed')
    expect(classify({ error: 'ECONNREFUSED' })).toBe('refused')
    expect(classify({ error: 'ECONNRESET' })).toBe('conn-error')
    expect(classify({ hang: true })).toBe('hang')
    expect(classify({ status: 200 })).toBe('ok')
  })
})

describe('the schedule check', () => {
  const from = base
  const to = base + 10 * TICK_EVERY_MS

  it('passes a schedule that fired at every due time', () => {
    const runs = Array.from({ length: 10 }, (_, i) => run(base + i * TICK_EVERY_MS))
    expect(checkSchedule({ runs, down: [], from, to })).toMatchObject({ twice: 0, missed: 0 })
  })

  it('finds a due time fired twice and one missed while the agent was up', () => {
    const runs = Array.from({ length: 10 }, (_, i) => run(base + i * TICK_EVERY_MS)).filter((_, i) => i !== 4)
    runs.push({ ...run(base + 2 * TICK_EVERY_MS), startedAt: at(base + 2 * TICK_EVERY_MS + 900) })
    const result = checkSchedule({ runs, down: [], from, to })
    expect(result.twice).toBe(1)
    expect(result.missed).toBe(1)
    expect(result.missedAt).toEqual([at(base + 4 * TICK_EVERY_MS)])
  })

  it('excuses times missed while the agent was down, and does not count manual runs', () => {
    const runs = Array.from({ length: 10 }, (_, i) => run(base + i * TICK_EVERY_MS)).filter((_, i) => i < 3 || i > 6)
    runs.push(run(base + TICK_EVERY_MS, 'manual'))
    const down: Array<[number, number]> = [[base + 4 * TICK_EVERY_MS, base + 5 * TICK_EVERY_MS]]
    expect(checkSchedule({ runs, down, from, to })).toMatchObject({ twice: 0, missed: 0 })
  })
})
