import type { Socket } from 'node:net'
import type { MuxStream } from '../../runtime/mux.mjs'
import type { RequestHead, ResponseHead } from './link-frames'
import { bodyFrameHeader, createFrameReader, endFrame, FRAME_LIMITS, headFrame, parseResponseHead } from './link-frames'

/** What becomes of one request's response. Exactly one of `end`, `closed` and `malformed` is called. */
export interface ResponseSink {
  head: (head: ResponseHead) => void
  body: (chunk: Buffer) => void
  end: () => void
  /** The connection ended before the response did: the instance closed it, or died. */
  closed: () => void
  /** The runtime broke the protocol; the connection is closed already. Treat it as a crash of the instance. */
  malformed: (reason: string) => void
}

/**
 * Carries one request at a time as frames: on a stream of the runtime's `mux` connection (one
 * request each), or on a whole `frames` connection an older runtime dialed (back to its link once
 * the response has ended and the request's body was sent, or cut short with an END).
 */
export class FrameChannel {
  current?: FrameRequest

  constructor(readonly socket: Socket | MuxStream, private readonly free: (channel: FrameChannel) => void) {
    socket.on('data', createFrameReader({
      head: json => this.onHead(json),
      body: chunk => this.onBody(chunk),
      end: () => this.onEnd(),
      malformed: reason => this.fail(reason),
    }))
    // A mux stream closes with a reason when the runtime broke the protocol on its connection.
    socket.once('close', (reason?: unknown) => {
      const request = this.current
      this.current = undefined
      if (typeof reason === 'string') request?.sink.malformed(`sent ${reason}`)
      else request?.sink.closed()
    })
  }

  /** Gives back a channel that carried no request (taken too late for the one that asked for it). */
  release(): void {
    if (!this.current) this.free(this)
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.current === undefined
  }

  /** Starts a request: its head, and its whole body when given (else stream it with `writeBody`). */
  send(head: RequestHead, sink: ResponseSink, body?: Uint8Array): FrameRequest {
    const request = new FrameRequest(this, sink, head.b === 0)
    this.current = request
    if (body === undefined || head.b === 0) {
      this.socket.write(headFrame(head))
      return request
    }
    this.socket.cork()
    this.socket.write(headFrame(head))
    request.writeBody(body)
    request.endBody()
    this.socket.uncork()
    return request
  }

  private onHead(json: Buffer) {
    const request = this.current
    if (!request || request.headSeen) return this.fail(request ? 'a second response head' : 'a response nobody asked for')
    const head = parseResponseHead(json)
    if (typeof head === 'string') return this.fail(head)
    request.headSeen = true
    request.sink.head(head)
  }

  private onBody(chunk: Buffer) {
    const request = this.current
    if (!request?.headSeen) return this.fail(request ? 'a body before the response head' : 'a response nobody asked for')
    request.sink.body(chunk)
  }

  private onEnd() {
    const request = this.current
    if (!request?.headSeen) return this.fail(request ? 'an end before the response head' : 'a response nobody asked for')
    // The function answered before reading all of the body: the rest is not sent.
    if (!request.requestEnded) request.endBody()
    // Paused for a slow client by a body frame just before this end: the next request must be read.
    if (this.socket.isPaused()) this.socket.resume()
    this.current = undefined
    this.free(this)
    request.sink.end()
  }

  private fail(reason: string) {
    const request = this.current
    this.current = undefined
    this.socket.destroy()
    request?.sink.malformed(`sent ${reason}`)
  }
}

/** One request on a channel; every method is a no-op once the request is over. */
export class FrameRequest {
  headSeen = false

  constructor(private readonly channel: FrameChannel, readonly sink: ResponseSink, public requestEnded: boolean) {}

  private get live(): boolean {
    return this.channel.current === this && !this.channel.socket.destroyed
  }

  /** False: wait for `onDrain` before writing more. */
  writeBody(chunk: Uint8Array): boolean {
    if (!this.live || this.requestEnded) return true
    const { socket } = this.channel
    let ok = true
    for (let offset = 0; offset < chunk.byteLength; offset += FRAME_LIMITS.bodyFrameBytes) {
      const part = chunk.subarray(offset, offset + FRAME_LIMITS.bodyFrameBytes)
      socket.write(bodyFrameHeader(part.byteLength))
      ok = socket.write(part)
    }
    return ok
  }

  endBody(): void {
    if (!this.live || this.requestEnded) return
    this.requestEnded = true
    this.channel.socket.write(endFrame())
  }

  onDrain(listener: () => void): void {
    this.channel.socket.once('drain', listener)
  }

  /** Stops reading the response (the client is slow), and goes on. */
  pause(): void {
    if (this.live) this.channel.socket.pause()
  }

  resume(): void {
    if (this.live) this.channel.socket.resume()
  }

  /** Gives up on the request: the connection is closed, which tells the runtime its caller left. */
  abandon(): void {
    if (this.channel.current !== this) return
    this.channel.current = undefined
    this.channel.socket.destroy()
  }
}
