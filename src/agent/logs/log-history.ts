import type { LogEntry } from '../../api/admin-api'
import type { FunctionLogFiles, Segment } from './log-files'
import type { LogFilter } from './log-filter'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createLineSplitter } from '../../log/line-splitter'
import { seqTime } from './log-files'
import { entryMatches, mayMatch } from './log-filter'

/** Far more than any entry the agent writes (an 8 KB line, escaped): a longer line is not ours, and skipped. */
const MAX_STORED_LINE = 256 * 1024

function parse(line: string): LogEntry | undefined {
  try {
    const entry = JSON.parse(line) as LogEntry
    return typeof entry?.seq === 'number' ? entry : undefined
  }
  catch {
    return undefined
  }
}

/** Files that may hold entries matching `filter`, and none past `upTo` (a follower's starting point). */
function segmentsFor(files: FunctionLogFiles, filter: LogFilter): Segment[] {
  const segments = files.list()
  return segments.filter((segment, i) => {
    const next = segments[i + 1]
    if (!next) return true
    // An entry's time is never later than when it arrived (its seq): a file that ended before `since` is skipped.
    if (filter.since !== undefined && seqTime(next.seq) < filter.since - 1000) return false
    if (filter.after !== undefined && next.seq <= filter.after + 1) return false
    return true
  })
}

const matching = (filter: LogFilter, upTo: number) => (line: string): string | undefined => {
  if (line.length === 0 || !mayMatch(line, filter)) return undefined
  const entry = parse(line)
  return entry && entry.seq <= upTo && entryMatches(entry, filter) ? line : undefined
}

/**
 * The last `count` matching entries (as stored lines), files read newest first until there are enough;
 * in time order (Docker delivers a container's lines a few ms late, after the invocation they belong to).
 */
export async function readTail(files: FunctionLogFiles, filter: LogFilter, count: number, upTo = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  if (count <= 0) return []
  const keep = matching(filter, upTo)
  const found: string[][] = []
  let total = 0
  const segments = segmentsFor(files, filter)
  for (let i = segments.length - 1; i >= 0 && total < count; i--) {
    const segment = segments[i]!
    const bytes = await readFile(segment.file).catch(() => Buffer.alloc(0))
    // Only what was completely written when the files were listed.
    const lines = bytes.subarray(0, segment.bytes).toString('utf8').split('\n')
    const kept: string[] = []
    for (const line of lines) {
      const ok = line.length <= MAX_STORED_LINE ? keep(line) : undefined
      if (ok !== undefined) kept.push(ok)
    }
    const wanted = kept.slice(Math.max(0, kept.length - (count - total)))
    found.unshift(wanted)
    total += wanted.length
  }
  const lines = found.flat()
  const times = new Map(lines.map(line => [line, Date.parse(parse(line)?.time ?? '')]))
  return lines.sort((a, b) => (times.get(a) ?? 0) - (times.get(b) ?? 0))
}

/**
 * Every matching entry, oldest first, handed to `send` line by line as the files are read (memory
 * stays flat whatever the size); `send` may return a promise to slow the reading down (backpressure).
 */
export async function readAll(files: FunctionLogFiles, filter: LogFilter, send: (line: string) => void | Promise<void>, upTo = Number.MAX_SAFE_INTEGER, isCancelled = () => false): Promise<void> {
  const keep = matching(filter, upTo)
  for (const segment of segmentsFor(files, filter)) {
    if (isCancelled()) return
    if (segment.bytes === 0) continue
    const stream = createReadStream(segment.file, { start: 0, end: segment.bytes - 1 })
    const lines: string[] = []
    const splitter = createLineSplitter((line, cut) => {
      if (cut === 0) lines.push(line)
    }, MAX_STORED_LINE)
    try {
      for await (const chunk of stream) {
        splitter.push(chunk as Buffer)
        for (const line of lines.splice(0)) {
          const ok = keep(line)
          if (ok !== undefined) await send(ok)
        }
        if (isCancelled()) break
      }
      splitter.end()
      for (const line of lines.splice(0)) {
        const ok = keep(line)
        if (ok !== undefined) await send(ok)
      }
    }
    catch {
      // Removed by the age or size limit while it was read: what it held is gone.
    }
    finally {
      stream.destroy()
    }
  }
}
