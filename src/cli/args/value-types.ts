import { parseDuration, parseSince, SINCE_EXAMPLES } from '../../log/since'

/**
 * A typed value for a flag or positional argument: the command line is checked against it before
 * a command runs, so `--port abc` is refused up front (exit 2) instead of meaning "the default".
 */
export interface ValueType<T> {
  /** What a valid value is, completing "… is not …": "a port number from 1 to 65535". */
  expected: string
  /** A valid value, for the hint. */
  example: string
  /** The value, or undefined when `raw` is not one. */
  parse: (raw: string) => T | undefined
  /** The flag may stand alone (`--release` means the previous release); it is then parsed from ''. */
  optional?: boolean
}

const INTEGER_RE = /^\d+$/
const NUMBER_RE = /^\d+(?:\.\d+)?$/

export function wholeNumber(opts: { min: number, max: number, unit: string, example: number }): ValueType<number> {
  return {
    expected: `a whole number of ${opts.unit} from ${opts.min} to ${opts.max}`,
    example: String(opts.example),
    parse: (raw) => {
      const n = INTEGER_RE.test(raw) ? Number(raw) : Number.NaN
      return n >= opts.min && n <= opts.max ? n : undefined
    },
  }
}

export function decimalNumber(opts: { min: number, max: number, unit: string, example: number }): ValueType<number> {
  return {
    expected: `a number of ${opts.unit} from ${opts.min} to ${opts.max}`,
    example: String(opts.example),
    parse: (raw) => {
      const n = NUMBER_RE.test(raw) ? Number(raw) : Number.NaN
      return n >= opts.min && n <= opts.max ? n : undefined
    },
  }
}

/** A TCP port to listen on: 0 lets the system pick a free one. */
export const listenPort: ValueType<number> = { ...wholeNumber({ min: 0, max: 65535, unit: 'port', example: 3000 }), expected: 'a port number from 1 to 65535 (or 0 for any free port)' }

/** A port others connect to. */
export const port: ValueType<number> = { ...wholeNumber({ min: 1, max: 65535, unit: 'port', example: 443 }), expected: 'a port number from 1 to 65535' }

/** `3`, `v3` or `V3`. */
export const versionNumber: ValueType<number> = {
  expected: 'a version number such as 3 or v3',
  example: '3',
  parse: raw => positiveInteger(raw.replace(/^v/i, '')),
}

/** `--release` alone is the previous release; `--release 4` or `--release '#4'` is release 4. */
export const releaseRef: ValueType<number | 'previous'> = {
  expected: 'a release id such as 4 (see `lambda releases`)',
  example: '4',
  optional: true,
  parse: raw => raw === '' ? 'previous' : positiveInteger(raw.replace(/^#/, '')),
}

/** A length of time such as `30s`, `10m`, `12h` or `7d`, in milliseconds. */
export function duration(opts: { min: number, max: number, example: string }): ValueType<number> {
  return {
    expected: `a duration such as 30m, 12h or 7d (from ${opts.min / 1000} s to ${opts.max / 86_400_000} days)`,
    example: opts.example,
    parse: (raw) => {
      const ms = parseDuration(raw)
      return ms !== undefined && ms >= opts.min && ms <= opts.max ? ms : undefined
    },
  }
}

/** `--since`: `10m` back from now, or a moment (`2025-01-31T12:00:00Z`); kept as given, checked here. */
export const sinceValue: ValueType<string> = {
  expected: `a duration or a time such as ${SINCE_EXAMPLES}`,
  example: '10m',
  parse: raw => parseSince(raw) === undefined ? undefined : raw.trim(),
}

/** A JSON object, e.g. driver options. */
export const jsonObject: ValueType<Record<string, unknown>> = {
  expected: 'a JSON object',
  example: '\'{"url":"redis://127.0.0.1:6379"}\'',
  parse: (raw) => {
    try {
      const value = JSON.parse(raw) as unknown
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
    }
    catch {
      return undefined
    }
  },
}

function positiveInteger(raw: string): number | undefined {
  const n = INTEGER_RE.test(raw) ? Number(raw) : Number.NaN
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined
}
