import type { FrameHandlers } from '../../src/instances/link-frames'
import { describe, expect, it } from 'vitest'
import * as runtimeFrames from '../../runtime/frames.mjs'
import { bodyFrameHeader, createFrameReader, endFrame, FRAME_LIMITS, headFrame, parseResponseHead } from '../../src/instances/link-frames'

/** Everything a reader saw, in order. */
function collect(createReader: (on: FrameHandlers) => (chunk: Buffer) => void) {
  const seen: Array<[string, string]> = []
  const push = createReader({
    head: json => seen.push(['head', json.toString()]),
    body: chunk => seen.push(['body', chunk.toString()]),
    end: () => seen.push(['end', '']),
    malformed: reason => seen.push(['malformed', reason]),
  })
  return { seen, push }
}

/** Feeds `bytes` in pieces of `size` (frames may be cut anywhere by the socket). */
function feed(push: (chunk: Buffer) => void, bytes: Buffer, size: number) {
  for (let offset = 0; offset < bytes.length; offset += size) push(bytes.subarray(offset, offset + size))
}

/** Merges body pieces, as a consumer sees them. */
function merged(seen: Array<[string, string]>) {
  const out: Array<[string, string]> = []
  for (const [kind, text] of seen) {
    const last = out.at(-1)
    if (kind === 'body' && last?.[0] === 'body') last[1] += text
    else out.push([kind, text])
  }
  return out
}

describe('the frames on the runtime link', () => {
  it('what the runtime writes, the agent reads, however the socket cuts it', () => {
    const bytes = Buffer.concat([
      runtimeFrames.headFrame({ s: 201, h: ['content-type', 'text/plain', 'set-cookie', 'a=1'] }),
      runtimeFrames.frameHeader(runtimeFrames.FRAME_BODY, 5),
      Buffer.from('hello'),
      runtimeFrames.frameHeader(runtimeFrames.FRAME_BODY, 6),
      Buffer.from(' world'),
      runtimeFrames.endFrame(),
    ])
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const { seen, push } = collect(createFrameReader)
      feed(push, bytes, size)
      expect(merged(seen)).toEqual([['head', '{"s":201,"h":["content-type","text/plain","set-cookie","a=1"]}'], ['body', 'hello world'], ['end', '']])
    }
  })

  it('what the agent writes, the runtime reads', () => {
    const head = { m: 'POST', u: '/a?b=1', h: ['host', 'fn.localhost'], i: 'rid-1', d: 1234, b: 1 as const }
    const bytes = Buffer.concat([headFrame(head), bodyFrameHeader(3), Buffer.from('abc'), endFrame()])
    for (const size of [1, 4, bytes.length]) {
      const { seen, push } = collect(runtimeFrames.createFrameReader)
      feed(push, bytes, size)
      expect(merged(seen)).toEqual([['head', JSON.stringify(head)], ['body', 'abc'], ['end', '']])
    }
  })

  it('a big body write becomes frames the agent accepts', () => {
    const written: Buffer[] = []
    const socket = { write: (chunk: Buffer) => written.push(Buffer.from(chunk)) > 0 }
    runtimeFrames.writeBody(socket as any, Buffer.alloc(FRAME_LIMITS.bodyFrameBytes * 2 + 10, 'x'))
    const { seen, push } = collect(createFrameReader)
    push(Buffer.concat(written))
    expect(seen.every(([kind]) => kind === 'body')).toBe(true)
    expect(seen.map(([, text]) => text).join('').length).toBe(FRAME_LIMITS.bodyFrameBytes * 2 + 10)
  })

  describe('the agent bounds what an untrusted runtime sends', () => {
    const header = (type: number, length: number) => {
      const bytes = Buffer.alloc(5)
      bytes[0] = type
      bytes.writeUInt32BE(length, 1)
      return bytes
    }

    it('an oversized head or body frame is refused from its 5-byte header, before anything is gathered', () => {
      for (const bytes of [header(1, 0xFFFFFFFF), header(1, FRAME_LIMITS.headBytes + 1), header(2, FRAME_LIMITS.bodyFrameBytes + 1), header(1, 0)]) {
        const { seen, push } = collect(createFrameReader)
        push(bytes)
        expect(seen).toHaveLength(1)
        expect(seen[0]![0]).toBe('malformed')
      }
    })

    it('unknown frame types, an end with a payload, and anything after a malformed frame are refused', () => {
      const { seen, push } = collect(createFrameReader)
      push(Buffer.concat([header(9, 0), header(1, 2), Buffer.from('{}')]))
      expect(seen).toEqual([['malformed', 'an unknown frame type (9)']])
      const end = collect(createFrameReader)
      end.push(header(3, 1))
      expect(end.seen[0]![0]).toBe('malformed')
    })

    it('a head must be JSON with a status, string headers in pairs, and no more than the header limit', () => {
      const bad = ['nope', '[]', '{"s":"200","h":[]}', '{"s":99,"h":[]}', '{"s":200.5,"h":[]}', '{"s":200,"h":["a"]}', '{"s":200,"h":["a",1]}', '{"s":200,"t":5,"h":[]}', '{"s":200}', JSON.stringify({ s: 200, h: Array.from({ length: (FRAME_LIMITS.headers + 1) * 2 }, () => 'a') })]
      for (const json of bad) expect(typeof parseResponseHead(Buffer.from(json)), json).toBe('string')
      expect(parseResponseHead(Buffer.from('{"s":404,"t":"Gone","h":["a","b"]}'))).toEqual({ status: 404, statusText: 'Gone', headers: ['a', 'b'] })
      // Deep nesting is refused, not a stack overflow.
      expect(typeof parseResponseHead(Buffer.from(`${'['.repeat(30000)}${']'.repeat(30000)}`))).toBe('string')
    })
  })
})
