import { once } from 'node:events'
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { createFrameReader, endFrame, FRAME_BODY, FRAME_HEAD, FRAME_HEADER_BYTES, headFrame, writeBody } from './frames.mjs'

/** Request body bytes held for a function that has not read them yet, before the socket is paused. */
const BODY_HIGH_WATER = 64 * 1024
/** Bodies up to this size go out in one write together with the head and the end. */
const COALESCE_MAX_BYTES = 64 * 1024

/**
 * @typedef {object} RequestHead
 * @property {string} m method
 * @property {string} u path and query
 * @property {string[]} h headers, flat
 * @property {string} i request id
 * @property {number} d deadline (ms since epoch)
 * @property {0 | 1} b whether body frames follow
 */

/**
 * Serves the one request the agent sends as frames on a stream of the mux connection (mux.mjs);
 * `serve` gets it as an Exchange, and the stream is finished once the request and its response both ended.
 * @param {import('./mux.mjs').MuxStream} stream
 * @param {(exchange: import('./types').Exchange, head: RequestHead) => void} serve
 */
export function serveFrames(stream, serve) {
  /** @type {FrameExchange | undefined} */
  let current
  let served = false
  const push = createFrameReader({
    head(json) {
      // One request per stream.
      if (served) return void stream.destroy()
      served = true
      /** @type {RequestHead} */
      let head
      try {
        head = JSON.parse(json.toString('utf8'))
      }
      catch {
        return void stream.destroy()
      }
      current = new FrameExchange(stream, head, () => {
        current = undefined
        stream.finish()
      })
      serve(current, head)
    },
    body: chunk => current?.pushBody(chunk),
    end: () => current?.endBody(),
    malformed: () => stream.destroy(),
  })
  stream.on('data', push)
  stream.once('close', () => current?.abort())
}

/**
 * One request on a frames connection.
 * (An Exchange: see types.d.ts.)
 */
class FrameExchange {
  /**
   * @param {import('./mux.mjs').MuxStream} socket
   * @param {RequestHead} head
   * @param {() => void} finished
   */
  constructor(socket, head, finished) {
    this.socket = socket
    this.finished = finished
    this.method = head.m
    this.url = head.u
    this.rawHeaders = head.h
    this.httpVersion = '1.1'
    this.hasBody = head.b === 1
    this.requestEnded = !this.hasBody
    this.responseEnded = false
    this.aborted = false
    /** @type {string | undefined} The response head's JSON, held to go out with the first body bytes. */
    this.pendingHead = undefined
    this.headersSent = false
    /** @type {Buffer[]} */
    this.queue = []
    this.queued = 0
    this.discarding = false
    /** @type {(() => void) | undefined} */
    this.wake = undefined
    /** @type {Array<() => void>} */
    this.abortListeners = []
  }

  /** @param {string} name */
  header(name) {
    const wanted = name.toLowerCase()
    const raw = this.rawHeaders
    for (let i = 0; i < raw.length; i += 2) {
      if (/** @type {string} */ (raw[i]).toLowerCase() === wanted) return raw[i + 1]
    }
    return undefined
  }

  /** @param {Buffer} chunk */
  pushBody(chunk) {
    if (this.discarding || this.requestEnded) return
    this.queue.push(chunk)
    this.queued += chunk.length
    if (this.queued > BODY_HIGH_WATER) this.socket.pause()
    this.wakeReader()
  }

  endBody() {
    if (this.requestEnded) return
    this.requestEnded = true
    this.wakeReader()
    this.maybeFinished()
  }

  wakeReader() {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** @returns {Promise<Buffer | undefined>} The next body chunk; undefined at the end. */
  async nextChunk() {
    for (;;) {
      const chunk = this.queue.shift()
      if (chunk) {
        this.queued -= chunk.length
        if (this.queued <= BODY_HIGH_WATER && this.socket.isPaused()) this.socket.resume()
        return chunk
      }
      if (this.requestEnded) return undefined
      if (this.aborted) throw new Error('the request was aborted')
      await new Promise(resolve => (this.wake = /** @type {() => void} */ (resolve)))
    }
  }

  /** The function will not read the rest: drop it as it comes, so the next request can follow. */
  discardBody() {
    this.discarding = true
    this.queue = []
    this.queued = 0
    if (this.socket.isPaused()) this.socket.resume()
  }

  bodyStream() {
    return new ReadableStream({
      pull: async (controller) => {
        const chunk = await this.nextChunk()
        if (chunk) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        else controller.close()
      },
      cancel: () => this.discardBody(),
    }, { highWaterMark: 0 })
  }

  async readBody() {
    /** @type {Buffer[]} */
    const chunks = []
    for (let chunk = await this.nextChunk(); chunk; chunk = await this.nextChunk()) chunks.push(chunk)
    return Buffer.concat(chunks)
  }

  /**
   * @param {number} status
   * @param {string | undefined} statusText
   * @param {string[]} headers
   * @param {boolean} [valid]
   */
  writeHead(status, statusText, headers, valid = false) {
    if (this.headersSent) throw new Error('the response head was already sent')
    // What node:http would refuse, refused here, so the function gets its 500 instead of the agent a bad frame.
    if (!Number.isInteger(status) || status < 200 || status > 999) throw new RangeError(`Invalid status code: ${status}`)
    for (let i = 0; !valid && i < headers.length; i += 2) {
      validateHeaderName(/** @type {string} */ (headers[i]))
      validateHeaderValue(/** @type {string} */ (headers[i]), /** @type {string} */ (headers[i + 1]))
    }
    if (statusText !== undefined) validateHeaderValue('status', statusText)
    this.headersSent = true
    this.pendingHead = JSON.stringify(statusText ? { s: status, t: statusText, h: headers } : { s: status, h: headers })
  }

  /** @param {Uint8Array} chunk */
  write(chunk) {
    if (this.aborted || this.responseEnded) return true
    if (!this.headersSent) this.writeHead(200, undefined, [])
    const head = this.pendingHead
    this.pendingHead = undefined
    if (head) this.socket.cork()
    if (head) this.socket.write(headFrame(head))
    const ok = writeBody(this.socket, chunk)
    if (head) this.socket.uncork()
    return ok
  }

  drained() {
    if (this.aborted || !this.socket.writableNeedDrain) return Promise.resolve()
    return Promise.race([once(this.socket, 'drain'), once(this.socket, 'close')]).then(() => {})
  }

  /** @param {Uint8Array} [chunk] */
  end(chunk) {
    if (this.aborted || this.responseEnded) return
    if (!this.headersSent) this.writeHead(200, undefined, [])
    this.responseEnded = true
    const head = this.pendingHead
    this.pendingHead = undefined
    const length = chunk?.byteLength ?? 0
    if (length <= COALESCE_MAX_BYTES) {
      // The usual answer: head, body and end in one buffer, one write.
      const headLength = head ? Buffer.byteLength(head) : 0
      const size = (head ? FRAME_HEADER_BYTES + headLength : 0) + (length > 0 ? FRAME_HEADER_BYTES + length : 0) + FRAME_HEADER_BYTES
      const out = Buffer.allocUnsafe(size)
      let offset = 0
      if (head) {
        out[0] = FRAME_HEAD
        out.writeUInt32BE(headLength, 1)
        out.write(head, FRAME_HEADER_BYTES)
        offset = FRAME_HEADER_BYTES + headLength
      }
      if (chunk && length > 0) {
        out[offset] = FRAME_BODY
        out.writeUInt32BE(length, offset + 1)
        out.set(chunk, offset + FRAME_HEADER_BYTES)
        offset += FRAME_HEADER_BYTES + length
      }
      endFrame().copy(out, offset)
      this.socket.write(out)
    }
    else {
      this.socket.cork()
      if (head) this.socket.write(headFrame(head))
      if (chunk) writeBody(this.socket, chunk)
      this.socket.write(endFrame())
      this.socket.uncork()
    }
    if (!this.requestEnded) this.discardBody()
    this.maybeFinished()
  }

  maybeFinished() {
    if (this.responseEnded && this.requestEnded && !this.aborted) this.finished()
  }

  /** @param {() => void} listener */
  onAbort(listener) {
    this.abortListeners.push(listener)
    return () => {
      const index = this.abortListeners.indexOf(listener)
      if (index !== -1) this.abortListeners.splice(index, 1)
    }
  }

  /** The connection closed: the agent gave up on this request (its client left, or its deadline passed). */
  abort() {
    if (this.aborted) return
    this.aborted = true
    this.wakeReader()
    if (this.responseEnded) return
    for (const listener of this.abortListeners.splice(0)) listener()
  }

  /** @param {Error} [_error] */
  destroy(_error) {
    this.socket.destroy()
  }
}
