import type { ResolvedIdleConfig } from '../config/schema/idle'
import { IDLE_DEFAULTS } from '../config/schema/idle'

/** When an idle instance is paused and when it is stopped, in ms; 0 means never. */
export interface IdlePolicy {
  pauseAfterMs: number
  stopAfterMs: number
}

/**
 * A function's `idle` settings on this agent: `stopAfter` left out is the agent's `--idle-timeout`
 * (`agentIdleTimeoutMs`, 0 for never), and a pause that would come at or after the stop never happens.
 * Versions deployed before `idle` existed have none and get the defaults.
 */
export function idlePolicyFor(idle: ResolvedIdleConfig | undefined, agentIdleTimeoutMs: number): IdlePolicy {
  const stopAfter = idle?.stopAfter
  const stopAfterMs = stopAfter === undefined ? agentIdleTimeoutMs : stopAfter === false ? 0 : Math.round(stopAfter * 1000)
  const pauseAfter = (idle ?? IDLE_DEFAULTS).pauseAfter
  let pauseAfterMs = pauseAfter === false ? 0 : Math.round(pauseAfter * 1000)
  if (stopAfterMs > 0 && pauseAfterMs >= stopAfterMs) pauseAfterMs = 0
  return { pauseAfterMs, stopAfterMs }
}

/** How often the pool looks for instances to pause or stop: a quarter of the shortest delay, within 50 ms – 1 s. */
export function reapIntervalMs(policy: IdlePolicy): number | undefined {
  const delays = [policy.pauseAfterMs, policy.stopAfterMs].filter(ms => ms > 0)
  if (delays.length === 0) return undefined
  return Math.min(1000, Math.max(50, Math.min(...delays) / 4))
}
