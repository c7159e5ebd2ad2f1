import type { H3Config, H3Event, HTTPError } from 'h3'
import { H3 } from 'h3'
import { FastResponse } from 'srvx'
import { LambdaError } from '../errors'
import { diskFullError, isDiskFull } from '../fs/disk-full'

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new FastResponse(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })
}

/** The one error shape of every HTTP surface: `{ error: { code, message, hint } }`. */
export function errorResponse(error: unknown): Response {
  const original = (error as HTTPError)?.cause ?? error
  if (LambdaError.is(original)) return jsonResponse(original.toJSON(), original.status)
  // Whatever write ran out of space (a log, a temp file, a record), the answer says so and what to do.
  if (isDiskFull(original)) return jsonResponse(diskFullError('The agent could not write what this request needed', 'its data dir', original).toJSON(), 507)
  const status = (error as HTTPError)?.status ?? 500
  if (status >= 500) console.error(original)
  const message = status >= 500 ? 'Internal server error' : (error as Error)?.message ?? 'Request failed'
  return jsonResponse({ error: { code: status === 404 ? 'NOT_FOUND' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message } }, status)
}

/** An h3 app whose errors all answer in Mini Lambda's JSON shape. */
export function createLambdaApp(config: Omit<H3Config, 'onError'> = {}): H3 {
  return new H3({
    // Functions must see the path exactly as sent, odd encodings included.
    allowMalformedURL: true,
    ...config,
    onError: (error: HTTPError, _event: H3Event) => errorResponse(error),
  })
}
