import type { InstancePool, Lease } from '../pool/instance-pool'
import type { InvocationRecord } from './invoke'
import { request } from 'node:http'
import { LambdaError } from '../errors'
import { crashError, timeoutError } from './errors'
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
    const settle = (result: FunctionCallResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      lease.release()
      resolve(result)
    }
    const headers: Record<string, string> = {}
    for (const [key, value] of Object.entries(call.headers)) {
      if (!NOT_FORWARDED.has(key)) headers[key] = value
    }
    headers['x-request-id'] = call.requestId
    headers['x-lambda-request-id'] = call.requestId
    headers['x-lambda-deadline'] = String(deadline)
    if (call.body) headers['content-length'] = String(call.body.byteLength)

    const upstream = request({ agent: pooled.agent, method: call.method, path: call.path, headers }, (response) => {
      const chunks: Buffer[] = []
      let size = 0
      let truncated = false
      response.on('data', (chunk: Buffer) => {
        if (size + chunk.length <= maxBodyBytes) chunks.push(chunk)
        else if (size < maxBodyBytes) chunks.push(chunk.subarray(0, maxBodyBytes - size))
        truncated ||= size + chunk.length > maxBodyBytes
        size += chunk.length
      })
      response.on('end', () => settle({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks), truncated, durationMs: performance.now() - started, coldStart: lease.coldStart }))
      response.on('close', () => {
        if (!response.complete) settle(failed(crashError(name, opts.memory, pooled.exit, pooled.retiredFor), lease))
      })
    })
    upstream.on('error', () => {
      // The connection broke: learn whether the instance died, and how, before answering.
      const known = pooled.exit
      const exited = known ? Promise.resolve(known) : Promise.race([pooled.instance.exited, new Promise<undefined>(r => setTimeout(r, 500))])
      void exited.then(exit => settle(failed(crashError(name, opts.memory, exit, pooled.retiredFor), lease)))
    })
    const timer = setTimeout(() => {
      // A stuck instance holds the event loop of everything in it: replace it.
      pool.retire(pooled, 'timeout')
      upstream.destroy()
      settle(failed(timeoutError(name, opts.timeoutMs), lease))
    }, Math.max(0, deadline - Date.now()))
    upstream.end(call.body)
  })
}
