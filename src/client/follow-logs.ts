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
 * entries after the last one it saw, so nothing is shown twice or skipped.
 */
export async function followLogs(conn: Connection, name: string, query: LogsQuery, opts: FollowLogsOptions): Promise<void> {
  let after: number | undefined
  let failures = 0
  let lost = false
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    opts.signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    }, { once: true })
  })
  while (!opts.signal.aborted) {
    const ask: LogsQuery = after === undefined ? { ...query, follow: true } : { version: query.version, request: query.request, after, follow: true }
    try {
      for await (const item of readLogStream(conn, name, ask, opts.signal)) {
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
      // The agent ended the stream: it is stopping. Try again until it is back.
      if (!lost) opts.onConnection?.('lost', new LambdaError({ code: 'AGENT_STOPPED', status: 503, message: 'the agent closed the stream (it is stopping or restarting)' }))
      lost = true
    }
    catch (error) {
      if (opts.signal.aborted) return
      if (isRefusal(error)) throw error
      if (!lost) opts.onConnection?.('lost', LambdaError.is(error) ? error : undefined)
      lost = true
    }
    await sleep(RETRY_DELAYS_MS[Math.min(failures++, RETRY_DELAYS_MS.length - 1)]!)
  }
}
