import type { LogFilter } from './log-filter'
import { parseSince, SINCE_EXAMPLES } from '../../log/since'
import { badRequest } from '../routes/body-fields'

/** The most entries `tail` may ask for: the answer is built in memory. */
export const MAX_TAIL = 10_000
/** Without `since`, `tail` or `after`, the last this many entries. */
export const DEFAULT_TAIL = 100
const REQUEST_ID_RE = /^[\w.:-]{1,128}$/
const FIELDS = ['since', 'tail', 'version', 'request', 'after', 'follow']
const EXAMPLE = '?since=10m&tail=100&version=3&request=<id>&follow=true'

export interface LogRequest {
  filter: LogFilter
  /** Only the last N matching entries; undefined: all of them. */
  tail?: number
  follow: boolean
}

const wholeNumber = (field: string, raw: string, min: number, max: number): number => {
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= min && n <= max)) throw badRequest(`Query parameter "${field}" must be a whole number from ${min} to ${max}, not "${raw.slice(0, 40)}".`, `E.g. ${EXAMPLE}.`, { field })
  return n
}

/** `GET /functions/:name/logs?…`, checked as strictly as a body: unknown or repeated parameters are refused. */
export function parseLogQuery(query: Record<string, unknown>, now = Date.now()): LogRequest {
  const raw: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (!FIELDS.includes(key)) throw badRequest(`Unknown query parameter "${key.slice(0, 40)}"; this route takes ${FIELDS.join(', ')}.`, `E.g. ${EXAMPLE}.`, { field: key.slice(0, 40) })
    if (typeof value !== 'string') throw badRequest(`Query parameter "${key}" is given more than once.`, `Give it once, e.g. ${EXAMPLE}.`, { field: key })
    raw[key] = value
  }
  const filter: LogFilter = {}
  if (raw.since !== undefined) {
    filter.since = parseSince(raw.since, now)
    if (filter.since === undefined) throw badRequest(`Query parameter "since" must be a duration or a time such as ${SINCE_EXAMPLES}, not "${raw.since.slice(0, 40)}".`, `E.g. ?since=10m.`, { field: 'since' })
  }
  if (raw.version !== undefined) filter.version = wholeNumber('version', raw.version.replace(/^v/i, ''), 1, Number.MAX_SAFE_INTEGER)
  if (raw.after !== undefined) filter.after = wholeNumber('after', raw.after, 0, Number.MAX_SAFE_INTEGER)
  if (raw.request !== undefined) {
    if (!REQUEST_ID_RE.test(raw.request)) throw badRequest(`Query parameter "request" is not a request id: "${raw.request.slice(0, 40)}".`, 'Pass the X-Request-Id of the call (or its first 8 characters or more).', { field: 'request' })
    filter.request = raw.request
  }
  let follow = false
  if (raw.follow !== undefined) {
    if (!['true', 'false', '1', '0', ''].includes(raw.follow)) throw badRequest(`Query parameter "follow" must be true or false, not "${raw.follow.slice(0, 40)}".`, 'E.g. ?follow=true.', { field: 'follow' })
    follow = raw.follow === 'true' || raw.follow === '1' || raw.follow === ''
  }
  const tail = raw.tail !== undefined
    ? wholeNumber('tail', raw.tail, 0, MAX_TAIL)
    : filter.since === undefined && filter.after === undefined ? DEFAULT_TAIL : undefined
  // A follower catching up after a reconnect wants everything it missed.
  return { filter, tail: filter.after !== undefined ? undefined : tail, follow }
}
