import type { IncomingMessage } from 'node:http'
import type { ForwardedFor } from '../../proxy/headers'
import { LambdaError } from '../../errors'
import { upstreamRequestHeaders } from '../../proxy/headers'
import { ASYNC_LIMITS } from './async-limits'

/** Instructions to the agent, not part of the call; and the headers each attempt sets afresh. */
const NOT_STORED = new Set([
  'x-lambda-invocation-type',
  'x-callback-url',
  'x-lambda-invocation-id',
  'x-request-id',
  'x-lambda-request-id',
  'x-lambda-deadline',
  'content-length',
  'expect',
])

/**
 * The request headers an accepted call is stored with: what the function would have seen had it been
 * called at once (hop-by-hop headers dropped, `x-forwarded-*` from the caller's connection), minus
 * `drop` (the API key that let the call in) and the agent's own. Bounded: 431 past the limits.
 */
export function storedHeaders(req: IncomingMessage, forwarded: Omit<ForwardedFor, 'requestId' | 'deadline'>, drop?: ReadonlySet<string>): Record<string, string> {
  const raw = upstreamRequestHeaders(req, { ...forwarded, requestId: '', deadline: 0 }, drop)
  const headers: Record<string, string> = {}
  let bytes = 0
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    if (NOT_STORED.has(name)) continue
    bytes += name.length + value.length
    if (!(name in headers)) count++
    headers[name] = name in headers ? `${headers[name]}${name === 'cookie' ? '; ' : ', '}${value}` : value
  }
  if (count > ASYNC_LIMITS.maxHeaders || bytes > ASYNC_LIMITS.maxHeaderBytes) {
    throw new LambdaError({
      code: 'ASYNC_HEADERS_TOO_LARGE',
      status: 431,
      message: `An asynchronous call is stored with its headers, at most ${ASYNC_LIMITS.maxHeaders} of them and ${ASYNC_LIMITS.maxHeaderBytes / 1024} KB in all; this one has ${count} (${bytes} bytes).`,
      hint: 'Send fewer or smaller headers, or move the data into the body.',
      data: { maxHeaders: ASYNC_LIMITS.maxHeaders, maxHeaderBytes: ASYNC_LIMITS.maxHeaderBytes },
    })
  }
  return headers
}
