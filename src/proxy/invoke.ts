import { request } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { LambdaError } from '../errors'
import type { InstancePool, Lease } from '../pool/instance-pool'
import { crashError, timeoutError } from './errors'
import type { ForwardedFor } from './headers'
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers'

export interface InvocationRecord {
  function: string
  version: string
  requestId: string
  method: string
  path: string
  status: number
  durationMs: number
  coldStart: boolean
  error?: string
}

export interface InvokeOptions {
  pool: InstancePool
  /** Path and query as the function should see them. */
  path: string
  timeoutMs: number
  memory: number
  forwarded: Omit<ForwardedFor, 'deadline'>
  /** Request headers (lower-case) the function must not see, e.g. the API key that let the call in. */
  dropHeaders?: ReadonlySet<string>
  onComplete?: (record: InvocationRecord) => void
}

/**
 * Sends one request to an instance of the pool and streams the instance's response to `res`;
 * resolves once the body is written, leaving `res.end()` to the caller. Failures before the response
 * starts throw a LambdaError (for the JSON error).
 * The deadline covers waiting for an instance, the function's work and the response body:
 * past it the caller gets 504 and the instance is replaced.
 */
export async function invokeThroughPool(req: IncomingMessage, res: ServerResponse, opts: InvokeOptions): Promise<void> {
  const { pool } = opts
  const name = pool.options.name
  const startedAt = performance.now()
  const deadline = Date.now() + opts.timeoutMs
  let status = 0
  let lease: Lease | undefined
  let finished = false
  const finish = (error?: LambdaError) => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    lease?.release()
    opts.onComplete?.({
      function: name,
      version: pool.options.version,
      requestId: opts.forwarded.requestId,
      method: req.method ?? 'GET',
      path: opts.path,
      status: error?.status ?? status,
      durationMs: performance.now() - startedAt,
      coldStart: lease?.coldStart ?? false,
      error: error?.code,
    })
  }

  let onDeadline: () => void = () => {}
  const timer = setTimeout(() => onDeadline(), opts.timeoutMs)
  const timedOut = new Promise<never>((_, reject) => {
    onDeadline = () => reject(timeoutError(name, opts.timeoutMs))
  })
  timedOut.catch(() => {})

  const acquiring = pool.acquire()
  try {
    lease = await Promise.race([acquiring, timedOut])
  }
  catch (error) {
    // A start that finishes after the deadline must not keep its capacity reserved.
    acquiring.then(late => late.release(), () => {})
    const failure = LambdaError.is(error) ? error : new LambdaError({ code: 'FUNCTION_UNAVAILABLE', status: 502, message: `Function "${name}" could not be started: ${(error as Error).message}`, cause: error })
    finish(failure)
    throw failure
  }
  const { pooled } = lease

  const upstream = request({
    agent: pooled.agent,
    socketPath: pooled.instance.socketPath,
    method: req.method,
    path: opts.path,
    headers: upstreamRequestHeaders(req, { ...opts.forwarded, deadline }, opts.dropHeaders),
  })
  onDeadline = () => {
    const error = timeoutError(name, opts.timeoutMs)
    upstream.destroy(error)
    // A stuck instance holds the event loop of everything in it: replace it.
    pool.retire(pooled, 'timeout')
    finish(error)
  }
  // The client went away: stop the work it asked for.
  res.once('close', () => {
    if (!finished) {
      upstream.destroy()
      finish(new LambdaError({ code: 'CLIENT_CLOSED', status: 499, message: 'Client closed the connection' }))
    }
  })
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined
  if (hasBody) req.pipe(upstream)
  else upstream.end()

  let upstreamRes: IncomingMessage
  try {
    upstreamRes = await new Promise<IncomingMessage>((resolve, reject) => {
      upstream.once('response', resolve)
      upstream.once('error', reject)
    })
  }
  catch (error) {
    if (LambdaError.is(error)) throw error
    // The connection broke: learn whether the instance died, and how, before answering.
    const exit = pooled.exit ?? await Promise.race([pooled.instance.exited, sleep(500).then(() => undefined)])
    const failure = crashError(name, opts.memory, exit, pooled.retiredFor)
    finish(failure)
    throw failure
  }

  status = upstreamRes.statusCode ?? 502
  // Written straight to the socket: a web Response plus stream pipeline per request
  // costs about a third of the gateway's throughput.
  res.writeHead(status, upstreamRes.statusMessage, downstreamResponseHeaders(upstreamRes, opts.forwarded.requestId))
  await new Promise<void>((resolve) => {
    upstreamRes.once('end', () => {
      finish()
      resolve()
    })
    upstreamRes.once('close', () => {
      if (!upstreamRes.complete) {
        // The instance died mid-body: the client cannot get a clean answer any more.
        res.destroy()
        finish(crashError(name, opts.memory, pooled.exit, pooled.retiredFor))
      }
      resolve()
    })
    // The caller (h3) ends the response once this resolves; ending it here too would make
    // h3 end it twice, which costs an error object per request.
    upstreamRes.pipe(res, { end: false })
  })
}
