/**
 * The agent's side of the framed transport on a runtime link (role `frames`): one request at a time
 * per connection, each a sequence of frames `[type: u8][length: u32 BE][payload]`.
 *
 *   agent → runtime: HEAD {m, u, h, i, d, b}, then BODY… and END when `b` is 1
 *   runtime → agent: HEAD {s, t?, h}, BODY…, END
 *
 * Must match runtime/frames.mjs. The runtime is untrusted: whatever it sends is bounded here (head
 * size, header count, body frame size) and anything outside the protocol is reported as malformed,
 * never thrown.
 */
export const FRAME_HEAD = 1
export const FRAME_BODY = 2
export const FRAME_END = 3
export const FRAME_HEADER_BYTES = 5

export const FRAME_LIMITS = {
  /** A response head (status, headers) as JSON. */
  headBytes: 64 * 1024,
  /** Response headers, counted as name/value pairs. */
  headers: 500,
  /** One body frame; the runtime splits larger writes. */
  bodyFrameBytes: 1024 * 1024,
} as const

/** What the agent sends ahead of a request's body. */
export interface RequestHead {
  /** Method. */
  m: string
  /** Path and query. */
  u: string
  /** Headers, flat `[name, value, …]`. */
  h: string[]
  /** Request id. */
  i: string
  /** Deadline, ms since the epoch. */
  d: number
  /** 1 when BODY frames and an END follow. */
  b: 0 | 1
}

export interface ResponseHead {
  status: number
  statusText?: string
  /** Flat `[name, value, …]`. */
  headers: string[]
}

const END_FRAME = Buffer.from([FRAME_END, 0, 0, 0, 0])

export function endFrame(): Buffer {
  return END_FRAME
}

export function headFrame(head: RequestHead): Buffer {
  const json = JSON.stringify(head)
  // One UTF-8 pass into room for the worst case (3 bytes a UTF-16 unit), from Node's buffer pool when small.
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + json.length * 3)
  const length = frame.write(json, FRAME_HEADER_BYTES)
  frame[0] = FRAME_HEAD
  frame.writeUInt32BE(length, 1)
  return frame.subarray(0, FRAME_HEADER_BYTES + length)
}

export function bodyFrameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
  header[0] = FRAME_BODY
  header.writeUInt32BE(length, 1)
  return header
}

/** A response head as the runtime sent it, or the reason it is not one. */
export function parseResponseHead(json: Buffer): ResponseHead | string {
  let head: unknown
  try {
    head = JSON.parse(json.toString('utf8'))
  }
  catch {
    return 'a response head that is not JSON'
  }
  if (!head || typeof head !== 'object') return 'a response head that is not an object'
  const { s: status, t: statusText, h: headers } = head as Record<string, unknown>
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 999) return 'an invalid status'
  if (statusText !== undefined && typeof statusText !== 'string') return 'an invalid status text'
  if (!Array.isArray(headers) || headers.length % 2 !== 0) return 'invalid headers'
  if (headers.length > FRAME_LIMITS.headers * 2) return `more than ${FRAME_LIMITS.headers} headers`
  for (const item of headers) {
    if (typeof item !== 'string') return 'invalid headers'
  }
  return { status, statusText, headers: headers as string[] }
}

export interface FrameHandlers {
  head: (json: Buffer) => void
  body: (chunk: Buffer) => void
  end: () => void
  malformed: (reason: string) => void
}

/**
 * Cuts the runtime's byte stream into frames: body bytes are handed on as they arrive (never
 * gathered), heads are gathered up to their limit. After a malformed frame nothing more is read.
 */
export function createFrameReader(on: FrameHandlers): (chunk: Buffer) => void {
  // Only for a frame header split across two reads (rare): most readers never need it.
  let header: Buffer | undefined
  let headerFill = 0
  let state: 'header' | 'head' | 'body' = 'header'
  let remaining = 0
  let parts: Buffer[] = []
  let broken = false
  const fail = (reason: string) => {
    broken = true
    on.malformed(reason)
  }

  return function push(chunk: Buffer) {
    let offset = 0
    while (offset < chunk.length && !broken) {
      if (state === 'header') {
        let type: number
        if (headerFill === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          type = chunk[offset]!
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
          type = header[0]!
          remaining = header.readUInt32BE(1)
        }
        if (type === FRAME_HEAD) {
          if (remaining === 0 || remaining > FRAME_LIMITS.headBytes) return fail(`a response head of ${remaining} bytes (at most ${FRAME_LIMITS.headBytes})`)
          state = 'head'
          parts = []
        }
        else if (type === FRAME_BODY) {
          if (remaining > FRAME_LIMITS.bodyFrameBytes) return fail(`a body frame of ${remaining} bytes (at most ${FRAME_LIMITS.bodyFrameBytes})`)
          if (remaining > 0) state = 'body'
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
      if (state === 'body') {
        if (remaining === 0) state = 'header'
        on.body(part)
        continue
      }
      parts.push(part)
      if (remaining > 0) continue
      state = 'header'
      on.head(parts.length === 1 ? parts[0]! : Buffer.concat(parts))
    }
  }
}
