import { performance } from 'node:perf_hooks'
import { consola } from 'consola'

/** What a request was sent to, as the trace prints it: method and URL (never a header, so never the key). */
function describeRequest(input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  const method = init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : undefined) ?? 'GET'
  return `${method.toUpperCase()} ${url}`
}

/** The innermost reason a request failed: `fetch failed` says nothing, its cause does (`bad port`, `ECONNREFUSED`). */
export function failureReason(error: unknown): string {
  let reason = error as { message?: string, code?: string, cause?: unknown } | undefined
  while (reason?.cause && typeof reason.cause === 'object') reason = reason.cause as typeof reason
  return reason?.code && !reason.message?.includes(reason.code) ? `${reason.message} (${reason.code})` : reason?.message ?? String(error)
}

/**
 * Every HTTP request the CLI makes (the admin API, health checks) and how it ended: `→` when it is sent,
 * `←` with the status and time, `✗` with why it failed. The trace wraps fetch itself rather than listening
 * to undici, which never sees a request fetch refuses before the network (a port fetch blocks, a bad URL).
 */
export function traceHttpRequests(): void {
  const fetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const request = describeRequest(input, init)
    const started = performance.now()
    consola.debug(`→ ${request}`)
    try {
      const response = await fetch(input, init)
      consola.debug(`← ${response.status} ${request} in ${Math.round(performance.now() - started)}ms`)
      return response
    }
    catch (error) {
      consola.debug(`✗ ${request}: ${failureReason(error)} after ${Math.round(performance.now() - started)}ms`)
      throw error
    }
  }
}
