import type { FrameChannel, ResponseSink } from '../instances/frame-channel'
import type { InstancePool, Lease } from '../pool/instance-pool'
import type { InvocationRecord } from './invoke'
import { request } from 'node:http'
import { LambdaError } from '../errors'
import { crashError, malformedResponseError, timeoutError } from './errors'
import { exitOf, releaseWhenSettled } from './hold-slot'
import { acquireBefore } from './invoke'

/** A call the agent makes itself (a schedule firing, an accepted async invocation): no client connection behind it. */
export interface FunctionCall {
  method: string
  /** Path and query as the function should see them. */
  path: string
  /** Lower-case names. The caller's own; the gateway's request id and deadline are added. */
  headers: Record<string, string>
  body?: Uint8Array
  requestId: string
}

export interface FunctionCallResult {
  /** The function's status, or the error's (502, 504) when it crashed, timed out or could not start. */
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The response body, up to `maxBodyBytes`. */
  body: Buffer
  truncated: boolean
  durationMs: number
  coldStart: boolean
  error?: LambdaError
}

export interface CallFunctionOptions {
  timeoutMs: number
  /** For the out-of-memory message. */
  memory: number
  /** The rest of a larger body is read and dropped. Default: 1 MB. */
  maxBodyBytes?: number
  /** What made the call, for the invocation record. */
  trigger?: InvocationRecord['trigger']
  /** Told once the call has ended, as the gateway tells its listeners (logs, metrics). */
  onComplete?: (record: InvocationRecord) => void
}

/** Headers a caller cannot set: they describe the connection, or they are the runtime's own. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'x-lambda-request-id', 'x-lambda-deadline'])

/**
 * Calls a function of `pool` the way the gateway would, without a client: the same deadline (waiting
 * for an instance included), the same replacement of a stuck instance, the same crash reports. Never
 * rejects: a failure is a result with `error` set, so the caller can record it and retry.
 */
export async function callFunction(pool: InstancePool, call: FunctionCall, opts: CallFunctionOptions): Promise<FunctionCallResult> {
  const result = await callPool(pool, call, opts)
  opts.onComplete?.({
    function: pool.options.name,
    version: pool.options.version,
    requestId: call.requestId,
    method: call.method,
    path: call.path,
    status: result.status,
    durationMs: result.durationMs,
    coldStart: result.coldStart,
    ...(result.error ? { error: result.error.code } : {}),
    ...(opts.trigger ? { trigger: opts.trigger } : {}),
  })
  return result
}

async function callPool(pool: InstancePool, call: FunctionCall, opts: CallFunctionOptions): Promise<FunctionCallResult> {
  const started = performance.now()
  const deadline = Date.now() + opts.timeoutMs
  const failed = (error: LambdaError, lease?: Lease): FunctionCallResult => ({ status: error.status, headers: {}, body: Buffer.from(JSON.stringify(error.toJSON())), truncated: false, durationMs: performance.now() - started, coldStart: lease?.coldStart ?? false, error })
  let lease: Lease
  try {
    lease = pool.tryAcquire() ?? await acquireBefore(pool, deadline, opts.timeoutMs)
  }
  catch (error) {
    return failed(LambdaError.is(error) ? error : new LambdaError({ code: 'FUNCTION_UNAVAILABLE', status: 502, message: String(error) }))
  }
  const { pooled } = lease
  const name = pool.options.name
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024
  return new Promise<FunctionCallResult>((resolve) => {
    let settled = false
    let abandon = () => {}
    // `mayRun`: past its deadline the handler may still be running: the slot stays taken until it settled.
    const settle = (result: FunctionCallResult, mayRun = false) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (mayRun) releaseWhenSettled(pool, lease, call.requestId, opts.timeoutMs)
      else lease.release()
      resolve(result)
    }
    const crashed = (exit = pooled.exit) => settle(failed(crashError(name, opts.memory, exit, pooled.retiredFor), lease))
    const body = collectBody(maxBodyBytes)
    const answered = (status: number, headers: FunctionCallResult['headers']) => settle({ status, headers, body: Buffer.concat(body.chunks), truncated: body.truncated, durationMs: performance.now() - started, coldStart: lease.coldStart })
    const timer = setTimeout(() => {
      // A stuck instance holds the event loop of everything in it: replace it.
      const replaced = pool.retire(pooled, 'timeout')
      abandon()
      settle(failed(timeoutError(name, opts.timeoutMs, undefined, replaced), lease), true)
    }, Math.max(0, deadline - Date.now()))

    const headers: Record<string, string> = {}
    for (const [key, value] of Object.entries(call.headers)) {
      if (!NOT_FORWARDED.has(key)) headers[key] = value
    }
    headers['x-request-id'] = call.requestId

    const { link } = pooled.instance
    if (link.framed) {
      let status = 0
      let responseHeaders: FunctionCallResult['headers'] = {}
      const sink: ResponseSink = {
        head(head) {
          status = head.status
          responseHeaders = headersObject(head.headers)
        },
        body: body.push,
        end: () => answered(status, responseHeaders),
        closed: () => void exitOf(pooled).then(crashed),
        malformed(reason) {
          pool.retire(pooled, 'protocol')
          settle(failed(malformedResponseError(name, reason), lease))
        },
      }
      const start = (channel: FrameChannel) => {
        const request = channel.send({ m: call.method, u: call.path, h: Object.entries(headers).flat(), i: call.requestId, d: deadline, b: call.body ? 1 : 0 }, sink, call.body)
        abandon = () => request.abandon()
      }
      const idle = link.takeChannel((error, channel) => {
        if (settled) return channel?.release()
        if (error || !channel) return sink.closed()
        start(channel)
      })
      if (idle) start(idle)
      return
    }

    headers['x-lambda-request-id'] = call.requestId
    headers['x-lambda-deadline'] = String(deadline)
    if (call.body) headers['content-length'] = String(call.body.byteLength)
    const upstream = request({ agent: pooled.agent, method: call.method, path: call.path, headers }, (response) => {
      response.on('data', body.push)
      response.on('end', () => answered(response.statusCode ?? 502, response.headers))
      response.on('close', () => {
        if (!response.complete) crashed()
      })
    })
    // The connection broke: learn whether the instance died, and how, before answering.
    upstream.on('error', () => void exitOf(pooled).then(crashed))
    abandon = () => upstream.destroy()
    upstream.end(call.body)
  })
}

/** Keeps the first `maxBytes` of a body, and whether there was more. */
function collectBody(maxBytes: number) {
  const collected = {
    chunks: [] as Buffer[],
    size: 0,
    truncated: false,
    push: (chunk: Buffer) => {
      const { size } = collected
      if (size + chunk.length <= maxBytes) collected.chunks.push(chunk)
      else if (size < maxBytes) collected.chunks.push(chunk.subarray(0, maxBytes - size))
      collected.truncated ||= size + chunk.length > maxBytes
      collected.size += chunk.length
    },
  }
  return collected
}

/** Lower-case names, repeated ones as arrays (set-cookie), as node:http gives them. */
function headersObject(raw: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    const known = out[name]
    out[name] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value]
  }
  return out
}
