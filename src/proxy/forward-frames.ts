import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FrameChannel, FrameRequest, ResponseSink } from '../instances/frame-channel'
import type { Lease } from '../pool/instance-pool'
import type { InvokeOptions } from './invoke'
import { LambdaError } from '../errors'
import { agentLogsPointer, crashError, malformedResponseError, timeoutError } from './errors'
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers'
import { exitOf, releaseWhenSettled } from './hold-slot'

export type RecordInvocation = (status: number, lease: Lease, error?: LambdaError) => void

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined
}

/**
 * `invokeThroughPool` over a `frames` link (link-frames.ts): the request goes out as one head frame
 * plus its body as it arrives, the answer is written to `res` frame by frame, with backpressure both
 * ways. Same contract as the HTTP forward: resolves once the body is written (the caller ends `res`), rejects
 * with a LambdaError when nothing was sent yet.
 */
export function forwardFrames(req: IncomingMessage, res: ServerResponse, lease: Lease, deadline: number, opts: InvokeOptions, record: RecordInvocation): Promise<void> {
  const { pool } = opts
  const { pooled } = lease
  const { link } = pooled.instance
  const name = pool.options.name
  const { requestId } = opts.forwarded
  const output = () => (opts.output ?? agentLogsPointer)(name, requestId)
  return new Promise<void>((resolve, reject) => {
    let settled = false
    let status = 0
    let request: FrameRequest | undefined
    // `mayRun`: the handler may still be running (its deadline passed, or its client left): the slot
    // stays taken until it has settled.
    const settle = (error?: LambdaError, clientGone = false, mayRun = clientGone) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      res.off('close', onClientClose)
      if (mayRun) releaseWhenSettled(pool, lease, requestId, opts.timeoutMs)
      else lease.release()
      record(status, lease, error)
      // Answered before the body was all sent (paused, maybe, for a channel that is gone now): the rest
      // is read and dropped, so the client's keep-alive connection can carry its next request.
      if (!req.complete) req.resume()
      // Nobody is left to read an error once the client has gone; after the head, only a cut is left.
      if (error && !status && !clientGone) reject(error)
      else resolve()
    }
    const malformed = (reason: string) => {
      request?.abandon()
      // Whatever wrote it is in the instance: it goes, like one that crashed.
      pool.retire(pooled, 'protocol')
      if (status) res.destroy()
      settle(malformedResponseError(name, reason))
    }

    const sink: ResponseSink = {
      head(head) {
        try {
          // Written straight to the socket: the head goes out with the first body bytes.
          res.writeHead(head.status, head.statusText, downstreamResponseHeaders(head.headers, requestId, res.hasHeader('ratelimit')))
        }
        catch (error) {
          return malformed(`a response head the agent cannot send (${(error as Error).message})`)
        }
        status = head.status
      },
      body(chunk) {
        if (!res.write(chunk)) {
          request!.pause()
          res.once('drain', () => request!.resume())
        }
      },
      // The caller (the fast path, or h3) ends the response once this settles.
      end: () => settle(),
      closed() {
        // The instance died mid-body: the client cannot get a clean answer any more.
        if (status) {
          res.destroy()
          return settle(crashError(name, opts.memory, pooled.exit, pooled.retiredFor, output()))
        }
        void exitOf(pooled).then(exit => settle(crashError(name, opts.memory, exit, pooled.retiredFor, output())))
      },
      malformed,
    }

    const start = (channel: FrameChannel) => {
      const withBody = hasBody(req)
      request = channel.send({
        m: req.method ?? 'GET',
        u: opts.path,
        h: upstreamRequestHeaders(req, { ...opts.forwarded, deadline }, opts.dropHeaders, false),
        i: requestId,
        d: deadline,
        b: withBody ? 1 : 0,
      }, sink)
      if (!withBody) return
      const sending = request
      req.on('data', (chunk: Buffer) => {
        if (!sending.writeBody(chunk)) {
          req.pause()
          sending.onDrain(() => req.resume())
        }
      })
      req.once('end', () => sending.endBody())
    }

    const timer = setTimeout(() => {
      // A stuck instance holds the event loop of everything in it: replace it.
      const replaced = pool.retire(pooled, 'timeout')
      const error = timeoutError(name, opts.timeoutMs, output(), replaced)
      request?.abandon()
      if (status) res.destroy()
      settle(error, false, true)
    }, Math.max(0, deadline - Date.now()))

    // The client went away: stop sending it anything (the runtime sees its connection close), but the
    // slot stays taken until the function is done, or the next request would pile onto work still running.
    const onClientClose = () => {
      if (settled) return
      request?.abandon()
      settle(new LambdaError({ code: 'CLIENT_CLOSED', status: 499, message: 'Client closed the connection' }), true)
    }
    res.on('close', onClientClose)

    const idle = link.takeChannel((error, channel) => {
      if (settled) {
        // Given after the request gave up waiting: it serves the next one.
        channel?.release()
        return
      }
      if (error || !channel) return sink.closed()
      start(channel)
    })
    if (idle) start(idle)
  })
}
