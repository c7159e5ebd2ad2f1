import type { IncomingMessage } from 'node:http'
import type { AgentContext } from '../context'
import { LambdaError } from '../../errors'
import { jsonResponse } from '../../http/error-response'
import { readCallBody } from './read-call-body'
import { storedHeaders } from './stored-headers'

export interface EventCall {
  name: string
  /** `v<N>.<fn>`: every attempt runs that version. */
  version?: number
  /** Path and query as the function will see them. */
  path: string
  /** Headers not to store: the API key that let the call in. */
  dropHeaders?: ReadonlySet<string>
}

/** 429 with `Retry-After` for a full queue; any other error is thrown on. */
export function queueFullResponse(error: unknown): Response {
  if (!LambdaError.is(error) || error.code !== 'ASYNC_QUEUE_FULL') throw error
  return jsonResponse(error.toJSON(), 429, { 'retry-after': String(error.data?.retryAfter ?? 1) })
}

/**
 * `X-Lambda-Invocation-Type: Event`: stores the call (method, path, headers, body) and answers `202`
 * with its invocation id once it is on disk; a worker runs it later. The function was found and the
 * caller let in before this runs. Room in the queue is taken first, so a full queue answers 429 before
 * a byte of the body is read.
 */
export async function acceptEvent(ctx: AgentContext, req: IncomingMessage, call: EventCall): Promise<Response> {
  let slot
  try {
    slot = ctx.asyncInvocations.reserve(call.name)
  }
  catch (error) {
    return queueFullResponse(error)
  }
  try {
    const headers = storedHeaders(req, { clientIp: req.socket.remoteAddress ?? '', host: req.headers.host ?? '', proto: ctx.options.publicScheme }, call.dropHeaders)
    const callback = req.headers['x-callback-url']
    const callbackUrl = typeof callback === 'string' ? callback.trim() : undefined
    if (callbackUrl !== undefined) await ctx.asyncInvocations.checkCallback(callbackUrl)
    const body = await readCallBody(req)
    const accepted = await slot.accept({ function: call.name, version: call.version, request: { method: req.method ?? 'GET', path: call.path, headers, body }, callbackUrl })
    return jsonResponse(accepted, 202, { 'x-lambda-invocation-id': accepted.id })
  }
  finally {
    slot.release()
  }
}
