// The schedule of `tick` checked against its history: a due time fired twice, or a due time missed
// while the agent was up (downtime is excused: docs/schedules.md, runs missed while down are not
// replayed, and catchUp stands for one of them).
import { TICK_EVERY_MS } from './project.mjs'

/**
 * `runs`: the history (newest first), `down`: [from, to] ms windows when the agent was not serving or
 * the clock was jumped, `from`/`to`: the window the schedule should have fired in.
 */
export function checkSchedule({ runs, down, from, to }) {
  const fired = new Map()
  for (const run of runs) {
    if (run.trigger === 'manual') continue
    const at = Date.parse(run.scheduledAt)
    fired.set(at, (fired.get(at) ?? 0) + 1)
  }
  const twice = [...fired.values()].filter(n => n > 1).length
  const excused = t => down.some(([a, b]) => t >= a - TICK_EVERY_MS && t <= b + TICK_EVERY_MS)
  let missed = 0
  const missedAt = []
  for (let t = Math.ceil(from / TICK_EVERY_MS) * TICK_EVERY_MS; t < to - TICK_EVERY_MS; t += TICK_EVERY_MS) {
    if (!fired.has(t) && !excused(t)) {
      missed++
      missedAt.push(new Date(t).toISOString())
    }
  }
  return { runs: runs.length, twice, missed, missedAt }
}
