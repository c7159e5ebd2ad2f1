import type { LogEntry, LogsQuery } from '../api/admin-api'
import type { Connection } from './connection'
import { LambdaError } from '../errors'
import { readLogStream } from './log-stream'

export interface FollowLogsOptions {
  signal: AbortSignal
  /** Each entry once, in order; a returned promise holds the stream (a slow terminal or pipe). */
  onEntry: (entry: LogEntry) => void | Promise<void>
  /** The connection went (`lost`, with why) or came back. */
  onConnection?: (state: 'lost' | 'back', error?: LambdaError) => void
}

const RETRY_DELAYS_MS = [250, 500, 1000, 2000]

/** The agent said no (bad query, key, unknown function) or sent the CLI elsewhere: asking again will not help. */
const isRefusal = (error: unknown) => LambdaError.is(error) && ((error.status >= 400 && error.status < 500 && error.code !== 'AGENT_ERROR') || error.code === 'AGENT_REDIRECT')

/**
 * `lambda logs --follow`: the stored entries asked for, then live ones, for as long as `signal` allows.
 * When the connection breaks (the agent restarts, the network drops) it reconnects, asking only for
 * entries after the last one it saw, so nothing is shown twice or skipped. The first connection is not
 * retried: a host that never answered is a mistake to report, not an agent to wait for.
 */
export async function followLogs(conn: Connection, name: string, query: LogsQuery, opts: FollowLogsOptions): Promise<void> {
  let after: number | undefined
  let failures = 0
  let lost = false
  // Reached the agent at least once: from then on a broken connection is waited out; before, it is an error.
  let connected = false
  // Each wait takes its listener off the signal when it ends: a follow that reconnects all day holds one at most.
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      opts.signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    opts.signal.addEventListener('abort', done, { once: true })
  })
  while (!opts.signal.aborted) {
    const ask: LogsQuery = after === undefined ? { ...query, follow: true } : { version: query.version, request: query.request, after, follow: true }
    try {
      for await (const item of readLogStream(conn, name, ask, opts.signal)) {
        connected = true
        if (lost) {
          lost = false
          opts.onConnection?.('back')
        }
        failures = 0
        if (item.type === 'heartbeat') {
          after = Math.max(after ?? 0, item.seq)
          continue
        }
        if (after !== undefined && item.seq <= after && item.type !== 'dropped') continue
        after = Math.max(after ?? 0, item.seq)
        await opts.onEntry(item)
      }
      if (opts.signal.aborted) return
      // An agent sends a heartbeat as soon as a follow goes live: a stream that ends empty was not an agent's.
      if (!connected) throw new LambdaError({ code: 'AGENT_ERROR', status: 502, message: `${conn.host} ended the log stream before sending anything.`, hint: 'Is that address a Mini Lambda agent? Check it with `lambda config show`.' })
      // The agent ended the stream: it is stopping. Try again until it is back.
      if (!lost) opts.onConnection?.('lost', new LambdaError({ code: 'AGENT_STOPPED', status: 503, message: 'the agent closed the stream (it is stopping or restarting)' }))
      lost = true
    }
    catch (error) {
      if (opts.signal.aborted) return
      // A wrong or silent host fails like any other command: only an agent that was there is waited for.
      if (isRefusal(error) || !connected) throw error
      if (!lost) opts.onConnection?.('lost', LambdaError.is(error) ? error : undefined)
      lost = true
    }
    await sleep(RETRY_DELAYS_MS[Math.min(failures++, RETRY_DELAYS_MS.length - 1)]!)
  }
}
