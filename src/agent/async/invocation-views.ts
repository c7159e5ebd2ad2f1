import type { InvocationDetail, InvocationResult, InvocationSummary, StoredBody } from '../../api/admin-api'
import type { FunctionCallResult } from '../../proxy/call-function'
import type { InvocationRecord } from './invocation-record'
import { isTextBody } from '../../cli/invoke-output'
import { redactApiKeys } from '../secrets/credential-seal'
import { ASYNC_LIMITS } from './async-limits'

/** The start of a body, as text when it is text (a character cut in two at the end is replaced). */
export function bodyView(body: Buffer, contentType: string | undefined, maxBytes: number, truncated = false): StoredBody {
  const kept = body.length > maxBytes ? body.subarray(0, maxBytes) : body
  const text = isTextBody(contentType ?? null, kept)
  return { body: kept.toString(text ? 'utf8' : 'base64'), bodyEncoding: text ? 'utf8' : 'base64', truncated: truncated || body.length > maxBytes }
}

const flat = (value: string | string[] | undefined) => Array.isArray(value) ? value.join(', ') : value

/** A function's answer as it is kept and shown: an API key it echoes (one it was sent, say) is cut out. */
export function resultOf(call: FunctionCallResult): InvocationResult {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(call.headers)) {
    const v = flat(value)
    if (v !== undefined) headers[name] = redactApiKeys(Buffer.from(v, 'latin1')).toString('latin1')
  }
  return { status: call.status, headers, ...bodyView(redactApiKeys(call.body), headers['content-type'], ASYNC_LIMITS.resultBodyBytes, call.truncated) }
}

export function toSummary(record: InvocationRecord): InvocationSummary {
  return {
    id: record.id,
    function: record.function,
    ...(record.version !== undefined ? { version: record.version } : {}),
    status: record.status,
    acceptedAt: record.acceptedAt,
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    attemptCount: record.attempts.length,
    ...(record.attempts.length > 0 ? { resultStatus: record.attempts.at(-1)!.status } : {}),
    ...(record.nextAttemptAt ? { nextAttemptAt: record.nextAttemptAt } : {}),
    ...(record.replayOf ? { replayOf: record.replayOf } : {}),
  }
}

export function toDetail(record: InvocationRecord): InvocationDetail {
  const stored = Buffer.from(record.request.body, 'base64')
  // Replayed as it came; shown with any API key in it cut out.
  const body = redactApiKeys(stored)
  return {
    ...toSummary(record),
    request: {
      method: record.request.method,
      path: record.request.path,
      headers: record.request.headers,
      ...(record.request.sealed ? { sealedHeaders: record.request.sealed.names } : {}),
      bodyBytes: stored.length,
      ...bodyView(body, record.request.headers['content-type'], ASYNC_LIMITS.requestExcerptBytes),
    },
    attempts: record.attempts,
    ...(record.result ? { result: record.result } : {}),
    ...(record.failure ? { failure: record.failure } : {}),
    ...(record.callback ? { callback: record.callback } : {}),
  }
}

/** What the callback URL receives once the invocation is done. */
export function callbackPayload(record: InvocationRecord) {
  return {
    invocationId: record.id,
    function: record.function,
    status: record.status,
    acceptedAt: record.acceptedAt,
    finishedAt: record.finishedAt,
    attempts: record.attempts.length,
    ...(record.result ? { response: record.result } : {}),
    ...(record.failure ? { failure: record.failure } : {}),
    ...(record.replayOf ? { replayOf: record.replayOf } : {}),
  }
}
