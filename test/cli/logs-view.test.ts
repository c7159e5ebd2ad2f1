import type { LogEntry } from '../../src/api/admin-api'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { formatLogEntry, localTime, safeText } from '../../src/cli/logs-view'

const base = { seq: 1, time: '2025-01-31T12:00:01.123Z', function: 'hello', version: 3 }

describe('lambda logs output for people', () => {
  it('function output is untrusted: a terminal gets its colours, never an escape that moves the cursor or retitles the window', () => {
    const hostile = '\x1B[31mred\x1B[0m \x1B]0;owned\x07\x1B[2J\x1B[10;10Hdone\x00\x08!'
    expect(safeText(hostile, true)).toBe('\x1B[31mred\x1B[0m done!\x1B[0m')
    expect(safeText(hostile, false)).toBe('red done!')
    expect(safeText('tabs\tstay', false)).toBe('tabs\tstay')
  })

  it('one line per entry: time, version, request (first 8 characters), then the message or the invocation', () => {
    const output: LogEntry = { ...base, type: 'output', instance: 'i', stream: 'stdout', requestId: '1f0c2a3b-aaaa-bbbb', message: 'hello there' }
    const invocation: LogEntry = { ...base, type: 'invocation', requestId: '1f0c2a3b-aaaa-bbbb', method: 'GET', path: '/x?y=1', status: 502, durationMs: 12.5, coldStart: true, error: 'FUNCTION_CRASHED' }
    const loading: LogEntry = { ...output, requestId: null, message: 'loading' }
    const dropped: LogEntry = { ...base, type: 'dropped', count: 12, reason: 'rate', message: '12 lines dropped: …' }
    const lines = [output, invocation, loading, dropped].map(entry => stripVTControlCharacters(formatLogEntry(entry, false)))
    const time = localTime(base.time)
    expect(lines).toEqual([
      `${time}  v3    1f0c2a3b  hello there`,
      `${time}  v3    1f0c2a3b  GET /x?y=1 502 13ms (cold start) FUNCTION_CRASHED`,
      `${time}  v3              loading`,
      `${time}  v3              … 12 lines dropped: …`,
    ])
    expect(time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.123$/)
  })
})
