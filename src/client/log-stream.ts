import type { LogEntry, LogHeartbeat, LogsQuery } from '../api/admin-api'
import type { Connection } from './connection'
import { ofetch } from 'ofetch'
import { ADMIN_PREFIX, LOG_HEARTBEAT_MS } from '../api/admin-api'
import { LambdaError } from '../errors'
import { explainKeyRefusal, fromFetchFailure } from './agent-errors'
import { warnIfKeyInClear } from './cleartext-key'
import { agentRedirected, isRedirect, NO_REDIRECTS } from './refuse-redirects'
import { AGENT_TIMEOUTS } from './timeouts'

/** A followed stream that sends nothing for this long (not even a heartbeat) is taken for dead. */
const SILENCE_MS = LOG_HEARTBEAT_MS * 3
/** No entry the agent writes comes near this; a longer line is not the agent's. */
const MAX_LINE_CHARS = 1024 * 1024

export type LogStreamItem = LogEntry | LogHeartbeat

function queryString(query: LogsQuery): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== false) out[key] = String(value)
  }
  return out
}

async function agentRefusal(conn: Connection, url: string, response: Response): Promise<LambdaError> {
  if (isRedirect(response.status)) return agentRedirected(conn, { method: 'GET', url }, response)
  const text = await response.text().catch(() => '')
  let body: unknown
  try {
    body = JSON.parse(text)
  }
  catch {}
  const agentError = LambdaError.fromBody(body, response.status)
  if (agentError) return explainKeyRefusal(conn, agentError)
  return new LambdaError({
    code: 'AGENT_ERROR',
    status: response.status,
    message: `The agent at ${conn.host} answered ${response.status} ${response.statusText}.`,
    hint: 'Is that address a Mini Lambda agent? Check it with `lambda config show`.',
  })
}

/**
 * `GET /functions/:name/logs` as a stream of entries. The answer must start within the usual 10 s; after
 * that the stream has no deadline (it follows for as long as asked), only a watch for silence: a followed
 * stream carries heartbeats, so one that goes quiet is broken.
 */
export async function* readLogStream(conn: Connection, name: string, query: LogsQuery, signal?: AbortSignal): AsyncGenerator<LogStreamItem> {
  warnIfKeyInClear(conn)
  const aborter = new AbortController()
  const onAbort = () => aborter.abort(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  let timer = setTimeout(() => aborter.abort(new DOMException('no answer', 'TimeoutError')), AGENT_TIMEOUTS.request)
  const watchSilence = () => {
    clearTimeout(timer)
    if (query.follow) timer = setTimeout(() => aborter.abort(new DOMException('silent', 'TimeoutError')), SILENCE_MS)
  }
  const url = `${conn.host}${ADMIN_PREFIX}/functions/${encodeURIComponent(name)}/logs`
  try {
    let response: Response
    try {
      response = await ofetch.raw(url, {
        ...NO_REDIRECTS,
        query: queryString(query),
        headers: conn.apiKey ? { authorization: `Bearer ${conn.apiKey}` } : {},
        responseType: 'stream',
        retry: 0,
        signal: aborter.signal,
        // An error's body is JSON, read below; ofetch would hand it over as an unread stream.
        ignoreResponseError: true,
      }) as unknown as Response
    }
    catch (error) {
      throw fromFetchFailure(conn, error, AGENT_TIMEOUTS.request)
    }
    if (!response.ok) throw await agentRefusal(conn, url, response)
    watchSilence()
    const body = response.body as ReadableStream<Uint8Array> | null
    if (!body) return
    const decoder = new TextDecoder()
    let pending = ''
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        watchSilence()
        pending += decoder.decode(chunk, { stream: true })
        let newline
        while ((newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline)
          pending = pending.slice(newline + 1)
          if (line.trim() === '') continue
          yield JSON.parse(line) as LogStreamItem
        }
        if (pending.length > MAX_LINE_CHARS) throw new Error('the agent sent a line longer than any log entry')
      }
    }
    catch (error) {
      if (signal?.aborted) return
      throw new LambdaError({ code: 'LOG_STREAM_BROKEN', status: 502, message: `The log stream from ${conn.host} broke off (${(error as Error).message}).`, hint: 'Run the command again; with --follow it reconnects by itself.', cause: error })
    }
  }
  finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    aborter.abort()
  }
}
