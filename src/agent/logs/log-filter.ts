import type { LogEntry } from '../../api/admin-api'

/** Which entries a reader wants (all fields optional, all must hold). */
export interface LogFilter {
  version?: number
  /** A request id, or its first 8 or more characters. */
  request?: string
  /** Epoch ms: entries at or after it. */
  since?: number
  /** Entries with a greater `seq`. */
  after?: number
}

/** A request id matches itself, and any start of it of 8 characters or more (`lambda logs` shows 8). */
export function requestMatches(requestId: string | null, wanted: string): boolean {
  if (!requestId) return false
  return requestId === wanted || (wanted.length >= 8 && requestId.startsWith(wanted))
}

export function entryMatches(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.after !== undefined && entry.seq <= filter.after) return false
  if (filter.version !== undefined && entry.version !== filter.version) return false
  if (filter.request !== undefined) {
    // A marker of dropped lines belongs to no request.
    if (entry.type === 'dropped' || !requestMatches(entry.requestId, filter.request)) return false
  }
  if (filter.since !== undefined && Date.parse(entry.time) < filter.since) return false
  return true
}

/** A cheap look before parsing: a line that does not even contain the request id cannot match. */
export function mayMatch(line: string, filter: LogFilter): boolean {
  return filter.request === undefined || line.includes(filter.request)
}
