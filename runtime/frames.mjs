/**
 * The frames of one request on the runtime link (a stream of the `mux` connection: mux.mjs; a whole
 * connection per request for older runtimes' role `frames`): `[type: u8][length: u32 BE][payload]`.
 *
 *   agent → runtime: HEAD {m, u, h, i, d, b}, then BODY… and END when `b` is 1
 *   runtime → agent: HEAD {s, t?, h}, BODY…, END
 *
 * One JSON parse per request head instead of an HTTP parser on each side; bodies pass through as
 * they are. The agent reads with this same module (src/instances/link-frames.ts adds its tighter
 * limits and checks the response head: the runtime is untrusted).
 */
export const FRAME_HEAD = 1
export const FRAME_BODY = 2
export const FRAME_END = 3
export const FRAME_HEADER_BYTES = 5
/** The agent refuses bigger ones; larger writes are split. */
export const MAX_BODY_FRAME_BYTES = 1024 * 1024
const MAX_HEAD_BYTES = 1024 * 1024

const END_FRAME = Buffer.from([FRAME_END, 0, 0, 0, 0])

/**
 * @param {number} type
 * @param {number} length
 */
export function frameHeader(type, length) {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
  header[0] = type
  header.writeUInt32BE(length, 1)
  return header
}

/** @param {unknown} head an object, or its JSON */
export function headFrame(head) {
  const json = typeof head === 'string' ? head : JSON.stringify(head)
  // One UTF-8 pass into room for the worst case (3 bytes a UTF-16 unit), from Node's buffer pool when small.
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + json.length * 3)
  const length = frame.write(json, FRAME_HEADER_BYTES)
  frame[0] = FRAME_HEAD
  frame.writeUInt32BE(length, 1)
  return frame.subarray(0, FRAME_HEADER_BYTES + length)
}

export function endFrame() {
  return END_FRAME
}

/**
 * Writes `chunk` as BODY frames (split past the frame limit); returns what the socket's write returned.
 * @param {{ write: (chunk: Uint8Array) => boolean }} socket
 * @param {Uint8Array} chunk
 */
export function writeBody(socket, chunk) {
  let ok = true
  for (let offset = 0; offset < chunk.byteLength; offset += MAX_BODY_FRAME_BYTES) {
    const part = chunk.subarray(offset, offset + MAX_BODY_FRAME_BYTES)
    socket.write(frameHeader(FRAME_BODY, part.byteLength))
    ok = socket.write(part)
  }
  return ok
}

/**
 * @typedef {object} FrameHandlers
 * @property {(json: Buffer) => void} head a whole head frame's JSON
 * @property {(chunk: Buffer) => void} body body bytes, as they arrive
 * @property {() => void} end the end of a body
 * @property {(reason: string) => void} malformed the stream is not frames; nothing more is read
 */

/**
 * Cuts a byte stream into frames. Body bytes are handed on as they arrive (never gathered), heads
 * are gathered up to their limit. Returns `push(chunk)`.
 * @param {FrameHandlers} on
 * @param {{ headBytes: number, bodyFrameBytes: number }} [limits] what a head and a body frame may hold
 */
export function createFrameReader(on, limits = { headBytes: MAX_HEAD_BYTES, bodyFrameBytes: MAX_BODY_FRAME_BYTES }) {
  // Only for a frame header split across two reads (rare): most readers never need it.
  /** @type {Buffer | undefined} */
  let header
  let headerFill = 0
  let state = 0 // 0: frame header, 1: head bytes, 2: body bytes
  let remaining = 0
  /** @type {Buffer[]} */
  let parts = []
  let broken = false

  /** @param {string} reason */
  const fail = (reason) => {
    broken = true
    on.malformed(reason)
  }

  /** @param {Buffer} chunk */
  return function push(chunk) {
    let offset = 0
    while (offset < chunk.length && !broken) {
      if (state === 0) {
        let type
        if (headerFill === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          type = chunk[offset]
          remaining = chunk.readUInt32BE(offset + 1)
          offset += FRAME_HEADER_BYTES
        }
        else {
          const take = Math.min(FRAME_HEADER_BYTES - headerFill, chunk.length - offset)
          header ??= Buffer.alloc(FRAME_HEADER_BYTES)
          chunk.copy(header, headerFill, offset, offset + take)
          headerFill += take
          offset += take
          if (headerFill < FRAME_HEADER_BYTES) return
          headerFill = 0
          type = header[0]
          remaining = header.readUInt32BE(1)
        }
        if (type === FRAME_HEAD) {
          if (remaining === 0 || remaining > limits.headBytes) return fail(`a head of ${remaining} bytes (at most ${limits.headBytes})`)
          state = 1
          parts = []
        }
        else if (type === FRAME_BODY) {
          if (remaining > limits.bodyFrameBytes) return fail(`a body frame of ${remaining} bytes (at most ${limits.bodyFrameBytes})`)
          if (remaining > 0) state = 2
        }
        else if (type === FRAME_END) {
          if (remaining !== 0) return fail('an end frame with a payload')
          on.end()
        }
        else {
          return fail(`an unknown frame type (${type})`)
        }
        continue
      }
      const take = Math.min(remaining, chunk.length - offset)
      const part = chunk.subarray(offset, offset + take)
      offset += take
      remaining -= take
      if (state === 2) {
        if (remaining === 0) state = 0
        on.body(part)
        continue
      }
      parts.push(part)
      if (remaining > 0) continue
      state = 0
      on.head(parts.length === 1 ? /** @type {Buffer} */ (parts[0]) : Buffer.concat(parts))
    }
  }
}
