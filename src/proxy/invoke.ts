import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http'
import type { InvocationOutcome } from '../api/admin-api'
import type { InstancePool, Lease } from '../pool/instance-pool'
import type { OutputPointer } from './errors'
import type { ForwardedFor } from './headers'
import { request } from 'node:http'
import { LambdaError } from '../errors'
import { abandonedError, queueTimeoutError } from '../pool/pool-errors'
import { agentLogsPointer, crashError, timeoutError } from './errors'
import { forwardFrames, hasBody } from './forward-frames'
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers'
import { exitOf, releaseWhenSettled } from './hold-slot'

/** What the gateway tells its listeners (logs, metrics) once an invocation ended. */
export interface InvocationRecord extends InvocationOutcome {
  function: string
  version: string
  /** What made the call, when not an HTTP client: a schedule firing, or an accepted asynchronous call. */
  trigger?: 'schedule' | 'async'
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
  /** Where error hints send the caller to read the request's output. Default: `lambda logs`. */
  output?: OutputPointer
}

/**
 * Waits for an instance, but not past the deadline: a request still queued then leaves the queue and
 * never starts, as does one whose `signal` aborts (its client left). With `shed`, one that cannot start
 * in time is turned away at once (429/503, see InstancePool.acquire).
 */
export async function acquireBefore(pool: InstancePool, deadline: number, timeoutMs: number, opts: { signal?: AbortSignal, shed?: boolean } = {}): Promise<Lease> {
  try {
    return await pool.acquire({ deadline, signal: opts.signal, shed: opts.shed })
  }
  catch (error) {
    if (!LambdaError.is(error)) throw new LambdaError({ code: 'FUNCTION_UNAVAILABLE', status: 502, message: `Function "${pool.options.name}" could not be started: ${(error as Error).message}`, cause: error })
    // Nothing ran yet: the request waited for a slot its whole time, no instance is to blame.
    if (error.code === 'FUNCTION_TIMEOUT') throw queueTimeoutError({ ...pool.options, queueTimeoutMs: timeoutMs })
    throw error
  }
}

/**
 * Sends one request to an instance of the pool and streams the instance's response to `res`;
 * resolves once the body is written, leaving `res.end()` to the caller. Failures before the response
 * starts reject with a LambdaError (for the JSON error).
 * The deadline covers waiting for an instance, the function's work and the response body:
 * past it the caller gets 504 and the instance is replaced.
 *
 * This is the gateway's hot path: callbacks and one timer per request, no extra promises when an
 * instance is free.
 */
export function invokeThroughPool(req: IncomingMessage, res: ServerResponse, opts: InvokeOptions): Promise<void> {
  const { pool } = opts
  const startedAt = performance.now()
  const deadline = Date.now() + opts.timeoutMs
  const record = (status: number, lease: Lease | undefined, error?: LambdaError) => opts.onComplete?.({
    function: pool.options.name,
    version: pool.options.version,
    requestId: opts.forwarded.requestId,
    method: req.method ?? 'GET',
    path: opts.path,
    status: error?.status ?? status,
    durationMs: performance.now() - startedAt,
    coldStart: lease?.coldStart ?? false,
    error: error?.code,
  })

  const forwardOn = (lease: Lease) => lease.pooled.instance.link.framed
    ? forwardFrames(req, res, lease, deadline, opts, record)
    : forward(req, res, lease, deadline, opts, record)
  const refused = (error: unknown): never => {
    record(0, undefined, error as LambdaError)
    throw error
  }
  // Not an async function: with an instance free, the forward's own promise is the answer, without
  // the extra turns of the event loop an async wrapper would add to every request.
  let lease: Lease | undefined
  try {
    lease = pool.tryAcquire()
  }
  catch (error) {
    return Promise.reject(error).catch(refused)
  }
  if (lease) return forwardOn(lease)
  // Queued: a client that leaves takes its request out of the queue; nobody would read its answer.
  const left = new AbortController()
  const onClose = () => left.abort()
  res.once('close', onClose)
  return acquireBefore(pool, deadline, opts.timeoutMs, { signal: left.signal, shed: true }).then((granted) => {
    res.off('close', onClose)
    // Gone in the turn between the grant and now: the request must not start.
    if (res.closed || res.destroyed) {
      granted.release()
      record(0, granted, abandonedError(pool.options))
      return
    }
    return forwardOn(granted)
  }, (error: unknown) => {
    res.off('close', onClose)
    const retryAfter = LambdaError.is(error) ? error.data?.retryAfter : undefined
    if (retryAfter !== undefined && !res.headersSent) res.setHeader('retry-after', String(retryAfter))
    return refused(error)
  })
}

/** Over an `http` link: a custom image's own server (through runtime/connector.mjs), or an older runtime. */
function forward(req: IncomingMessage, res: ServerResponse, lease: Lease, deadline: number, opts: InvokeOptions, record: (status: number, lease: Lease, error?: LambdaError) => void): Promise<void> {
  const { pool } = opts
  const { pooled } = lease
  const name = pool.options.name
  const output = () => (opts.output ?? agentLogsPointer)(name, opts.forwarded.requestId)
  return new Promise<void>((resolve, reject) => {
    let settled = false
    let upstreamRes: IncomingMessage | undefined
    // `mayRun`: the handler may still be running (its deadline passed, or its client left): the slot
    // stays taken until it has settled.
    const settle = (error?: LambdaError, clientGone = false, mayRun = clientGone) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      res.off('close', onClientClose)
      if (mayRun) releaseWhenSettled(pool, lease, opts.forwarded.requestId, opts.timeoutMs)
      else lease.release()
      record(upstreamRes?.statusCode ?? 0, lease, error)
      // Nobody is left to read an error once the client has gone.
      if (error && !upstreamRes && !clientGone) reject(error)
      else resolve()
    }

    const upstream: ClientRequest = request({
      agent: pooled.agent,
      method: req.method,
      path: opts.path,
      headers: upstreamRequestHeaders(req, { ...opts.forwarded, deadline }, opts.dropHeaders),
    }, (response) => {
      upstreamRes = response
      // Written straight to the socket: a web Response plus stream pipeline per request
      // costs about a third of the gateway's throughput.
      res.writeHead(response.statusCode ?? 502, response.statusMessage, downstreamResponseHeaders(response.rawHeaders, opts.forwarded.requestId, res.hasHeader('ratelimit')))
      response.on('end', () => settle())
      response.on('close', () => {
        if (response.complete) return settle()
        // The instance died mid-body: the client cannot get a clean answer any more.
        res.destroy()
        settle(crashError(name, opts.memory, pooled.exit, pooled.retiredFor, output()))
      })
      // The caller (h3) ends the response once this settles; ending it here too would make
      // h3 end it twice, which costs an error object per request.
      response.pipe(res, { end: false })
    })

    upstream.on('error', (error) => {
      if (settled) return
      if (LambdaError.is(error)) return settle(error)
      // The connection broke: learn whether the instance died, and how, before answering.
      void exitOf(pooled).then(exit => settle(crashError(name, opts.memory, exit, pooled.retiredFor, output())))
    })

    const timer = setTimeout(() => {
      // A stuck instance holds the event loop of everything in it: replace it.
      const replaced = pool.retire(pooled, 'timeout')
      const error = timeoutError(name, opts.timeoutMs, output(), replaced)
      upstream.destroy(error)
      if (upstreamRes) res.destroy()
      settle(error, false, true)
    }, Math.max(0, deadline - Date.now()))

    // The client went away: stop sending it anything (the function's response ends), but the slot stays
    // taken until the function is done, or the next request would pile onto work still running.
    const onClientClose = () => {
      if (settled) return
      upstream.destroy()
      settle(new LambdaError({ code: 'CLIENT_CLOSED', status: 499, message: 'Client closed the connection' }), true)
    }
    res.on('close', onClientClose)

    if (hasBody(req)) req.pipe(upstream)
    else upstream.end()
  })
}
