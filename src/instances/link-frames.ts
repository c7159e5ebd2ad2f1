/**
 * The agent's side of the frames on a runtime link (runtime/frames.mjs, which both sides use: a
 * stream of the `mux` connection, or a whole `frames` connection of an older runtime, carries one
 * request as frames `[type: u8][length: u32 BE][payload]`).
 *
 *   agent → runtime: HEAD {m, u, h, i, d, b}, then BODY… and END when `b` is 1
 *   runtime → agent: HEAD {s, t?, h}, BODY…, END
 *
 * The runtime is untrusted: whatever it sends is bounded here (head size, header count, body frame
 * size) and anything outside the protocol is reported as malformed, never thrown.
 */
import type { FrameHandlers } from '../../runtime/frames.mjs'
import { createFrameReader as createReader, FRAME_BODY, frameHeader, headFrame as runtimeHeadFrame } from '../../runtime/frames.mjs'

export type { FrameHandlers }
export { endFrame } from '../../runtime/frames.mjs'

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

export function headFrame(head: RequestHead): Buffer {
  return runtimeHeadFrame(head)
}

export function bodyFrameHeader(length: number): Buffer {
  return frameHeader(FRAME_BODY, length)
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

/**
 * Cuts the runtime's byte stream into frames within the agent's limits: body bytes are handed on as
 * they arrive (never gathered), heads are gathered up to their limit. After a malformed frame nothing
 * more is read.
 */
export function createFrameReader(on: FrameHandlers): (chunk: Buffer) => void {
  return createReader(on, FRAME_LIMITS)
}
