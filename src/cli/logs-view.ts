import type { LogEntry } from '../api/admin-api'
import { stripVTControlCharacters } from 'node:util'
import { colors } from 'consola/utils'
import { shortRequestId } from '../log/attributed-line'
import { duration } from './output/progress'

// Concurrent requests are told apart by colour; the id itself is always printed too.
const REQUEST_COLORS = [colors.cyan, colors.magenta, colors.blue, colors.green, colors.yellow]
const NO_REQUEST = ' '.repeat(8)

const pad2 = (n: number) => String(n).padStart(2, '0')

/** Local time, to the millisecond: `2025-01-31 12:00:01.123`. */
export function localTime(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso.padEnd(23)
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

function requestColumn(requestId: string | null): string {
  if (!requestId) return NO_REQUEST
  let hash = 0
  for (let i = 0; i < requestId.length; i++) hash = (hash * 31 + requestId.charCodeAt(i)) >>> 0
  return REQUEST_COLORS[hash % REQUEST_COLORS.length]!(shortRequestId(requestId).padEnd(8))
}

const SGR_RE = /\x1B\[[0-9;]*m/g
const CONTROL_RE = /[\x00-\x08\x0B-\x1F\x7F]/g

/**
 * Function output is untrusted: on a terminal only its colours (SGR) survive, never an escape that moves
 * the cursor, retitles the window or talks to the terminal; elsewhere it is plain text.
 */
export function safeText(text: string, terminal: boolean): string {
  if (!terminal) return stripVTControlCharacters(text).replace(CONTROL_RE, '')
  const colours: string[] = []
  // NUL marks where a colour was: the text has none left by then.
  const marked = text.replace(/\0/g, '').replace(SGR_RE, (sgr) => {
    colours.push(sgr)
    return '\x00'
  })
  let i = 0
  const plain = stripVTControlCharacters(marked).replace(/[\x01-\x08\x0B-\x1F\x7F]/g, '')
  // Colours the function left on are turned off at the end of its line.
  return `${plain.replace(/\0/g, () => colours[i++] ?? '')}${colours.length > 0 ? '\x1B[0m' : ''}`
}

const statusColor = (status: number) => status >= 500 ? colors.red : status >= 400 ? colors.yellow : colors.green

function message(entry: LogEntry, terminal: boolean): string {
  if (entry.type === 'output') {
    const text = safeText(entry.message, terminal)
    return entry.stream === 'stderr' ? colors.red(text) : text
  }
  if (entry.type === 'dropped') return colors.yellow(`… ${entry.message}`)
  const took = entry.durationMs < 10 ? `${entry.durationMs.toFixed(1)}ms` : duration(entry.durationMs)
  return `${colors.bold(`${entry.method} ${safeText(entry.path, terminal)}`)} ${statusColor(entry.status)(String(entry.status))} ${took}${entry.coldStart ? colors.dim(' (cold start)') : ''}${entry.error ? colors.dim(` ${entry.error}`) : ''}`
}

/**
 * One entry as a line for people: time, version, request (its first 8 characters, the same colour for
 * all its lines), then what was printed, or the invocation (method, path, status, duration). Columns
 * line up; colour only where the output is a terminal.
 */
export function formatLogEntry(entry: LogEntry, terminal: boolean): string {
  const requestId = entry.type === 'dropped' ? null : entry.requestId
  return `${colors.dim(localTime(entry.time))}  ${colors.dim(`v${entry.version}`.padEnd(4))}  ${requestColumn(requestId)}  ${message(entry, terminal)}`
}
