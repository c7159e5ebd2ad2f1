import { EventEmitter } from 'node:events'

/**
 * Many streams on one connection of the runtime link (role `mux`): each request is a stream of its
 * own carrying the same frames a `frames` connection carries (frames.mjs), so the agent and the
 * runtime read and write one socket for every request in flight instead of one socket each. Under
 * load that is one read and one write per batch of requests on each side, not per request.
 *
 * Each frame is `[type: u8][stream: u32 BE][length: u32 BE]`, then `length` payload bytes for DATA.
 *   DATA    stream bytes (the agent's first DATA on an id opens that stream)
 *   CLOSE   the stream is given up (the agent: its caller left; the runtime: it broke the protocol)
 *   CREDIT  `length` more bytes may be sent on the stream (no payload)
 *
 * Only the agent opens streams, with ids that only grow. Each side may have at most MUX_WINDOW_BYTES
 * on a stream that the other has not taken in (CREDIT says it did), so a slow reader of one stream
 * never stops the others and never makes the other side buffer without bound. The agent imports this
 * module too (src/instances/runtime-link.ts): the runtime is untrusted, so anything outside the
 * protocol ends the whole connection with a reason, never a throw.
 */
export const MUX_DATA = 1
export const MUX_CLOSE = 2
export const MUX_CREDIT = 3
const HEADER_BYTES = 9
/** What may be sent on a stream ahead of the reader's CREDIT. */
export const MUX_WINDOW_BYTES = 256 * 1024
/** Larger writes go out as several DATA frames. */
const MAX_DATA_FRAME_BYTES = 64 * 1024
/** Credit goes back once this much was taken in (a request's small body or answer never needs any). */
const CREDIT_RETURN_BYTES = 64 * 1024
/** Batched writes up to this size are joined into one buffer; bigger batches go out as they are. */
const JOIN_MAX_BYTES = 64 * 1024
/**
 * A batch goes out at the end of the event loop's turn, or as soon as it holds this many frames: the
 * peer starts on the first requests of a burst while the rest are still coming in (waiting for the
 * whole burst makes both sides take turns instead of working at once, measured in bench/data-plane.mjs).
 */
const BATCH_MAX_FRAMES = 8

/**
 * @param {number} type
 * @param {number} id
 * @param {number} length
 */
function frameHeader(type, id, length) {
  const header = Buffer.allocUnsafe(HEADER_BYTES)
  header[0] = type
  header.writeUInt32BE(id, 1)
  header.writeUInt32BE(length, 5)
  return header
}

/**
 * One stream, shaped like the parts of a net.Socket that frame-channel.ts and frame-exchange.mjs use:
 * `data`, `drain` and `close` events (`close` with a reason string when the peer broke the protocol),
 * write / pause / resume / destroy.
 */
export class MuxStream extends EventEmitter {
  /**
   * @param {Mux} mux
   * @param {number} id
   */
  constructor(mux, id) {
    super()
    this.mux = mux
    this.id = id
    this.destroyed = false
    this.paused = false
    /** @type {Buffer[]} Received while paused. */
    this.held = []
    this.sendCredit = MUX_WINDOW_BYTES
    /** @type {Buffer[]} Written beyond the credit. */
    this.waiting = []
    /** Received and not yet given back as CREDIT. */
    this.unreturned = 0
    /** Of those, handed on to the reader. */
    this.taken = 0
    this.needDrain = false
    this.finishing = false
  }

  get writableNeedDrain() {
    return this.needDrain
  }

  /** @param {Uint8Array} chunk */
  write(chunk) {
    if (this.destroyed) return true
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.waiting.length > 0) this.waiting.push(bytes)
    else this.send(bytes)
    this.needDrain = this.waiting.length > 0 || this.mux.blocked
    return !this.needDrain
  }

  /** @param {Buffer} bytes */
  send(bytes) {
    let offset = 0
    while (offset < bytes.length && this.sendCredit > 0) {
      const size = Math.min(bytes.length - offset, this.sendCredit, MAX_DATA_FRAME_BYTES)
      this.mux.queue(frameHeader(MUX_DATA, this.id, size), bytes.subarray(offset, offset + size))
      this.sendCredit -= size
      offset += size
    }
    if (offset < bytes.length) this.waiting.unshift(bytes.subarray(offset))
  }

  /** @param {number} bytes */
  addCredit(bytes) {
    this.sendCredit = Math.min(MUX_WINDOW_BYTES, this.sendCredit + bytes)
    while (this.waiting.length > 0 && this.sendCredit > 0) this.send(/** @type {Buffer} */ (this.waiting.shift()))
    if (this.finishing) this.finish()
    else this.maybeDrained()
  }

  maybeDrained() {
    if (!this.needDrain || this.waiting.length > 0 || this.mux.blocked || this.destroyed) return
    this.needDrain = false
    this.emit('drain')
  }

  /**
   * Bytes from the peer.
   * @param {Buffer} chunk
   * @returns {string | undefined} why the peer broke the protocol
   */
  receive(chunk) {
    this.unreturned += chunk.length
    if (this.unreturned > MUX_WINDOW_BYTES) return `more than ${MUX_WINDOW_BYTES} bytes on a stream ahead of its credit`
    if (this.paused) this.held.push(chunk)
    else this.deliver(chunk)
    return undefined
  }

  /** @param {Buffer} chunk */
  deliver(chunk) {
    this.taken += chunk.length
    this.emit('data', chunk)
    if (this.taken >= CREDIT_RETURN_BYTES && !this.destroyed) {
      this.mux.queue(frameHeader(MUX_CREDIT, this.id, this.taken))
      this.unreturned -= this.taken
      this.taken = 0
    }
  }

  cork() {}
  uncork() {}

  isPaused() {
    return this.paused
  }

  pause() {
    this.paused = true
    return this
  }

  resume() {
    this.paused = false
    while (!this.paused && this.held.length > 0) this.deliver(/** @type {Buffer} */ (this.held.shift()))
    return this
  }

  /** Gives the stream up and tells the peer. */
  destroy() {
    if (this.destroyed) return this
    this.mux.queue(frameHeader(MUX_CLOSE, this.id, 0))
    this.closed()
    return this
  }

  /**
   * Both sides are done with the stream: forget it without a word (the peer forgets it too), once
   * what waits for credit has gone out (the end of the frames may be in it). `dropUnsent`: what still
   * waits is not owed to the peer (the agent's rest of a request body once the answer ended), so the
   * stream is given up at once instead, and never waits on a peer that may not give credit.
   * @param {{ dropUnsent?: boolean }} [options]
   */
  finish({ dropUnsent = false } = {}) {
    if (this.destroyed) return
    if (this.waiting.length > 0) {
      if (dropUnsent) return void this.destroy()
      this.finishing = true
      return
    }
    this.destroyed = true
    this.mux.streams.delete(this.id)
  }

  /**
   * The stream ended without a finish: given up by either side, or the connection went.
   * @param {string} [reason] the peer broke the protocol
   */
  closed(reason) {
    if (this.destroyed) return
    this.destroyed = true
    this.held = []
    this.waiting = []
    this.mux.streams.delete(this.id)
    process.nextTick(() => this.emit('close', reason))
  }
}

/**
 * The streams on one connection. The side that passes `accept` takes streams the peer opens (the
 * runtime); the other opens them with `open()` (the agent).
 */
export class Mux {
  /**
   * @param {import('node:net').Socket} socket
   * @param {{ accept?: (stream: MuxStream) => void }} [options]
   */
  constructor(socket, { accept } = {}) {
    this.socket = socket
    this.accept = accept
    /** @type {Map<number, MuxStream>} */
    this.streams = new Map()
    /** The highest id opened so far: frames for lower ones that are gone are late, not wrong. */
    this.lastId = 0
    this.blocked = false
    this.broken = false
    /** Set to refuse new streams (the runtime stopping). */
    this.refusing = false
    /** @type {Buffer[]} */
    this.pending = []
    this.pendingBytes = 0
    this.pendingFrames = 0
    this.flushing = false
    socket.on('data', this.reader())
    socket.on('drain', () => {
      this.blocked = false
      for (const stream of this.streams.values()) stream.maybeDrained()
    })
    socket.once('close', () => {
      this.broken = true
      for (const stream of [...this.streams.values()]) stream.closed()
    })
  }

  get usable() {
    return !this.broken && !this.socket.destroyed
  }

  /** A new stream; nothing is sent until it is written to. */
  open() {
    const stream = new MuxStream(this, ++this.lastId)
    if (this.usable) this.streams.set(stream.id, stream)
    else stream.closed()
    return stream
  }

  /**
   * Frames go out together once this turn of the event loop is over: every request (or answer) that
   * came in during it shares one write.
   * @param {Buffer[]} buffers
   */
  queue(...buffers) {
    if (this.broken) return
    for (const buffer of buffers) {
      this.pending.push(buffer)
      this.pendingBytes += buffer.length
    }
    if (++this.pendingFrames >= BATCH_MAX_FRAMES) return this.flush()
    if (!this.flushing) {
      this.flushing = true
      setImmediate(() => this.flush())
    }
  }

  flush() {
    this.flushing = false
    const pending = this.pending
    const bytes = this.pendingBytes
    this.pending = []
    this.pendingBytes = 0
    this.pendingFrames = 0
    if (this.broken || this.socket.destroyed || pending.length === 0) return
    let ok
    if (pending.length === 1 || bytes <= JOIN_MAX_BYTES) {
      ok = this.socket.write(pending.length === 1 ? /** @type {Buffer} */ (pending[0]) : Buffer.concat(pending, bytes))
    }
    else {
      this.socket.cork()
      for (const buffer of pending) ok = this.socket.write(buffer)
      this.socket.uncork()
    }
    if (!ok) this.blocked = true
  }

  /**
   * Ends the connection because the peer broke the protocol: every stream closes with the reason.
   * @param {string} reason
   */
  fail(reason) {
    if (this.broken) return
    this.broken = true
    for (const stream of [...this.streams.values()]) stream.closed(reason)
    this.socket.destroy()
  }

  reader() {
    const header = Buffer.alloc(HEADER_BYTES)
    let headerFill = 0
    /** @type {MuxStream | undefined} Where the current DATA frame's bytes go (none: they are late, dropped). */
    let target
    let remaining = 0
    /** @param {Buffer} chunk */
    return (chunk) => {
      let offset = 0
      while (offset < chunk.length && !this.broken) {
        if (remaining > 0) {
          const take = Math.min(remaining, chunk.length - offset)
          const part = chunk.subarray(offset, offset + take)
          offset += take
          remaining -= take
          const problem = target && !target.destroyed ? target.receive(part) : undefined
          if (problem) return this.fail(problem)
          continue
        }
        let type, id, length
        if (headerFill === 0 && chunk.length - offset >= HEADER_BYTES) {
          type = chunk[offset]
          id = chunk.readUInt32BE(offset + 1)
          length = chunk.readUInt32BE(offset + 5)
          offset += HEADER_BYTES
        }
        else {
          const take = Math.min(HEADER_BYTES - headerFill, chunk.length - offset)
          chunk.copy(header, headerFill, offset, offset + take)
          headerFill += take
          offset += take
          if (headerFill < HEADER_BYTES) return
          headerFill = 0
          type = header[0]
          id = header.readUInt32BE(1)
          length = header.readUInt32BE(5)
        }
        const problem = this.onFrame(/** @type {number} */ (type), id, length)
        if (problem) return this.fail(problem)
        if (type === MUX_DATA) {
          target = this.streams.get(id)
          remaining = length
        }
      }
    }
  }

  /**
   * @param {number} type
   * @param {number} id
   * @param {number} length
   * @returns {string | undefined} why the frame breaks the protocol
   */
  onFrame(type, id, length) {
    if (type !== MUX_DATA && type !== MUX_CLOSE && type !== MUX_CREDIT) return `an unknown frame type (${type})`
    if (id === 0) return 'a frame for stream 0'
    if (type === MUX_DATA && (length === 0 || length > MUX_WINDOW_BYTES)) return `a data frame of ${length} bytes`
    if (type === MUX_CLOSE && length !== 0) return 'a close frame with a length'
    const stream = this.streams.get(id)
    if (stream) {
      if (type === MUX_CLOSE) stream.closed()
      if (type === MUX_CREDIT) stream.addCredit(length)
      return undefined
    }
    // Late: the stream ended here while the peer was still sending. Its bytes are dropped.
    if (id <= this.lastId) return undefined
    if (!this.accept) return 'a frame for a stream never opened'
    this.lastId = id
    if (type !== MUX_DATA) return undefined
    if (this.refusing) {
      this.queue(frameHeader(MUX_CLOSE, id, 0))
      return undefined
    }
    const opened = new MuxStream(this, id)
    this.streams.set(id, opened)
    this.accept(opened)
    return undefined
  }
}
