import type { ServerResponse } from 'node:http'
import type { DroppedLogEntry, LogEntry, LogHeartbeat } from '../../api/admin-api'
import type { LogRequest } from './log-query'
import type { LogService } from './log-service'
import { once } from 'node:events'
import { LOG_HEARTBEAT_MS } from '../../api/admin-api'
import { entryMatches } from './log-filter'
import { readAll, readTail } from './log-history'

/** Bytes a client may leave unread before live entries for it are dropped (and it is told how many). */
const MAX_UNREAD_BYTES = 1024 * 1024

/**
 * Answers `GET /functions/:name/logs` as newline-delimited JSON: the stored entries asked for, then,
 * with `follow`, live entries and heartbeats until the client leaves or the agent stops. Followed from
 * before the history is read, so nothing printed meanwhile is missed or sent twice.
 */
export async function streamLogs(logs: LogService, name: string, request: LogRequest, res: ServerResponse): Promise<void> {
  const { filter, tail, follow } = request
  let gone = false
  let covered = 0
  let ended!: () => void
  const finished = new Promise<void>(resolve => (ended = resolve))
  res.once('close', () => {
    gone = true
    ended()
  })
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  res.flushHeaders()

  let lastWrite = Date.now()
  const write = (line: string) => {
    if (gone) return true
    lastWrite = Date.now()
    return res.write(line)
  }
  const send = async (line: string) => {
    if (!write(line) && !gone) await Promise.race([once(res, 'drain'), finished])
  }

  // Live entries that arrive while the history is read wait here (bounded), then go out in order.
  let waiting: Array<{ entry: LogEntry, line: string }> | undefined = follow ? [] : undefined
  let waitingBytes = 0
  let dropped = 0
  let droppedSeq = 0
  let lastEntry: LogEntry | undefined
  const deliver = (entry: LogEntry, line: string) => {
    if (gone) return
    if (!waiting) covered = entry.seq
    if (!entryMatches(entry, filter)) return
    if (waiting) {
      if (waitingBytes + line.length > MAX_UNREAD_BYTES) return void (dropped++, droppedSeq = entry.seq, lastEntry = entry)
      waiting.push({ entry, line })
      waitingBytes += line.length
      return
    }
    if (res.writableLength > MAX_UNREAD_BYTES) return void (dropped++, droppedSeq = entry.seq, lastEntry = entry)
    if (dropped > 0) write(droppedLine(name, dropped, droppedSeq, lastEntry!))
    dropped = 0
    write(line)
  }
  const stop = () => {
    gone = true
    res.end()
    ended()
  }
  const unfollow = follow ? logs.follow(name, { push: deliver, end: stop }) : undefined

  try {
    const files = logs.filesOf(name)
    if (files) {
      // Entries up to here come from the files; later ones were (or will be) delivered live.
      const upTo = await files.flush()
      covered = upTo
      if (tail !== undefined) {
        for (const line of await readTail(files, filter, tail, upTo)) await send(line.endsWith('\n') ? line : `${line}\n`)
      }
      else {
        await readAll(files, filter, line => send(`${line}\n`), upTo, () => gone)
      }
      if (waiting) waiting = waiting.filter(item => item.entry.seq > upTo)
    }
    if (!follow || gone) return void stop()

    for (const item of waiting ?? []) {
      write(item.line)
      covered = item.entry.seq
    }
    waiting = undefined
    if (dropped > 0) write(droppedLine(name, dropped, droppedSeq, lastEntry!))
    dropped = 0
    // Live from here: the client learns how far it is covered, so a reconnect resumes right after.
    const beat = () => write(`${JSON.stringify({ type: 'heartbeat', time: new Date().toISOString(), seq: covered } satisfies LogHeartbeat)}\n`)
    beat()
    const heartbeat = setInterval(() => {
      if (Date.now() - lastWrite >= LOG_HEARTBEAT_MS - 100) beat()
    }, LOG_HEARTBEAT_MS / 2)
    heartbeat.unref()
    await finished
    clearInterval(heartbeat)
  }
  finally {
    unfollow?.()
  }
}

function droppedLine(name: string, count: number, seq: number, last: LogEntry): string {
  const entry: DroppedLogEntry = { seq, time: new Date().toISOString(), type: 'dropped', function: name, version: last.version, count, reason: 'slow-reader', message: `${count} lines not sent: this connection read them too slowly (they are stored; read them again with --since)` }
  return `${JSON.stringify(entry)}\n`
}
