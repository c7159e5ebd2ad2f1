import { LambdaError } from '../../errors'

/** How far back per-minute metrics go. */
export const METRICS_WINDOW_MAX_MS = 24 * 60 * 60 * 1000

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION_RE = /^(\d+(?:\.\d+)?)([smhd])$/
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

export const SINCE_EXPECTED = 'a duration such as 90s, 15m, 1h or 1d (at most 24h), or an ISO time within the last 24 hours'

/** `15m` → 900000; undefined when `raw` is not a duration. */
export function parseDuration(raw: string): number | undefined {
  const match = DURATION_RE.exec(raw)
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined
}

/** Whether `raw` reads as a window start at all (the CLI's check; the agent checks it against its clock). */
export function isSince(raw: string): boolean {
  const duration = parseDuration(raw)
  if (duration !== undefined) return duration > 0 && duration <= METRICS_WINDOW_MAX_MS
  return ISO_RE.test(raw) && !Number.isNaN(Date.parse(raw))
}

/** The window start (epoch ms) `raw` means at `now`: `1h` ago, or the time given. */
export function resolveSince(raw: string, now: number): number {
  const duration = parseDuration(raw)
  const start = duration !== undefined ? now - duration : ISO_RE.test(raw) ? Date.parse(raw) : Number.NaN
  const bad = (why: string) => new LambdaError({ code: 'INVALID_SINCE', status: 400, message: `since=${JSON.stringify(raw.slice(0, 64))} ${why}.`, hint: `Use ${SINCE_EXPECTED}: metrics are kept per minute for 24 h.`, data: { field: 'since' } })
  if (Number.isNaN(start) || duration === 0) throw bad('is not a duration or an ISO time')
  if (start < now - METRICS_WINDOW_MAX_MS) throw bad('reaches further back than the 24 hours metrics are kept')
  if (start > now) throw bad('is in the future')
  return start
}
