import { describe, expect, it } from 'vitest'
import { gateway } from '../helpers/gateway'
import { request } from '../helpers/http'

/**
 * A function that finds the runtime's connections to the agent (any socket among its file
 * descriptors) and writes `attack` onto every one of them, then never answers itself. Frames of a
 * request go inside the mux's DATA frames for its stream (the attack is the function's second
 * request: stream 2); the `mux…` attacks break the mux itself.
 */
const hostile = (attack: string) => `import { readdirSync, readlinkSync, writeSync } from 'node:fs'
const frame = (type, length, payload = Buffer.alloc(0)) => { const h = Buffer.alloc(5); h[0] = type; h.writeUInt32BE(length, 1); return Buffer.concat([h, payload]) }
const json = value => { const b = Buffer.from(JSON.stringify(value)); return frame(1, b.length, b) }
const muxFrame = (type, stream, length, payload = Buffer.alloc(0)) => { const h = Buffer.alloc(9); h[0] = type; h.writeUInt32BE(stream, 1); h.writeUInt32BE(length, 5); return Buffer.concat([h, payload]) }
const onStream = (bytes, stream = 2) => muxFrame(1, stream, bytes.length, bytes)
const attacks = {
  hugeHead: () => onStream(frame(1, 0xFFFFFFF0)),
  hugeBody: () => onStream(Buffer.concat([json({ s: 200, h: [] }), frame(2, 0x7FFFFFFF)])),
  garbage: () => Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-length: 5\\r\\n\\r\\nhello'),
  unknownType: () => onStream(frame(42, 0)),
  manyHeaders: () => onStream(json({ s: 200, h: Array.from({ length: 2000 }, (_, i) => i % 2 ? 'v' : 'x-h' + i) })),
  responseSplitting: () => onStream(Buffer.concat([json({ s: 200, h: ['x-a', 'b\\r\\nset-cookie: stolen=1'] }), frame(3, 0)])),
  badStatus: () => onStream(Buffer.concat([json({ s: 42, h: [] }), frame(3, 0)])),
  twoHeads: () => onStream(Buffer.concat([json({ s: 200, h: [] }), json({ s: 200, h: [] })])),
  muxHugeFrame: () => muxFrame(1, 2, 0xFFFFFFF0),
  muxUnknownType: () => muxFrame(9, 2, 0),
  muxUnopenedStream: () => onStream(json({ s: 200, h: [] }), 99),
  muxCloseWithLength: () => muxFrame(2, 2, 5),
}
export default (req) => {
  if (new URL(req.url).pathname !== '/attack') return 'fine'
  const bytes = attacks[${JSON.stringify(attack)}]()
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (Number(fd) > 2 && readlinkSync('/proc/self/fd/' + fd).startsWith('socket:')) writeSync(Number(fd), bytes)
    }
    catch {}
  }
  return new Promise(() => {})
}
`

describe('a function that writes its own frames onto the runtime\'s link only breaks its own requests', () => {
  it.each(['hugeHead', 'hugeBody', 'garbage', 'unknownType', 'manyHeaders', 'responseSplitting', 'badStatus', 'twoHeads', 'muxHugeFrame', 'muxUnknownType', 'muxUnopenedStream', 'muxCloseWithLength'])('%s: 502 for the request, the instance is replaced, the gateway serves on', async (attack) => {
    const bystander = await gateway('export default () => "bystander"')
    const gw = await gateway(hostile(attack))
    expect((await request(gw.port, '/', { host: 'fn.localhost' })).text).toBe('fine')
    const answer = await request(gw.port, '/attack', { host: 'fn.localhost' }).catch(error => ({ status: 0, text: String(error), headers: {} as Record<string, unknown>, json: () => undefined }))
    // The head may have gone out before the bad frame: then the response is cut instead.
    if (answer.status !== 0) {
      expect(answer.status, answer.text).toBe(502)
      expect(answer.text).toContain('on its link to the agent')
      expect(answer.headers['set-cookie']).toBeUndefined()
    }
    expect(gw.records.at(-1)).toMatchObject({ path: '/attack', error: 'FUNCTION_CRASHED' })
    expect((await request(gw.port, '/', { host: 'fn.localhost' })).text).toBe('fine')
    expect(gw.starts()).toBe(2)
    expect((await request(bystander.port, '/', { host: 'fn.localhost' })).text).toBe('bystander')
  })
})
