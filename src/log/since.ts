const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const
const DURATION_RE = /^(\d+(?:\.\d+)?)([smhdw])$/
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i

/** `30s`, `10m`, `2h`, `7d`, `1w` in milliseconds; undefined when `raw` is not one. */
export function parseDuration(raw: string): number | undefined {
  const match = DURATION_RE.exec(raw.trim())
  if (!match) return undefined
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
  return Number.isFinite(ms) && ms > 0 ? ms : undefined
}

/**
 * `--since`: a duration back from `now` (`10m`) or a moment (`2025-01-31T12:00:00Z`, `2025-01-31`; without
 * a zone it is the reader's local time, as `date` prints it). Epoch milliseconds, or undefined.
 */
export function parseSince(raw: string, now = Date.now()): number | undefined {
  const ago = parseDuration(raw)
  if (ago !== undefined) return now - ago
  if (!ISO_DATE_RE.test(raw.trim())) return undefined
  const at = Date.parse(raw.trim())
  return Number.isNaN(at) ? undefined : at
}

export const SINCE_EXAMPLES = '10m, 2h, 7d or 2025-01-31T12:00:00Z'
