import { createHash } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'
import { describe, expect, it } from 'vitest'
import { gateway } from '../helpers/gateway'
import { request } from '../helpers/http'

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('the gateway forwards over frames to the runtime', () => {
  it('streams a large request body in and a large response out, byte for byte', async () => {
    const gw = await gateway(`import { createHash } from 'node:crypto'
      export default async (req) => {
        if (req.method === 'POST') {
          const hash = createHash('sha256'); let length = 0
          for await (const chunk of req.body) { hash.update(chunk); length += chunk.length }
          return { length, sha256: hash.digest('hex') }
        }
        if (new URL(req.url).pathname === '/whole') return 'x'.repeat(4 * 1024 * 1024)
        const chunk = new Uint8Array(64 * 1024).fill(7); let sent = 0
        return new Response(new ReadableStream({ pull(c) { if (sent >= 8 * 1024 * 1024) return c.close(); sent += chunk.length; c.enqueue(chunk) } }))
      }`, { concurrency: 1 })
    const body = Buffer.alloc(9 * 1024 * 1024 + 3)
    for (let i = 0; i < body.length; i++) body[i] = i % 251
    const upload = await request(gw.port, '/', { body, host: 'fn.localhost' })
    expect(upload.status).toBe(200)
    expect(upload.json()).toEqual({ length: body.length, sha256: sha256(body) })
    const download = await request(gw.port, '/', { host: 'fn.localhost' })
    expect(download.body.length).toBe(8 * 1024 * 1024)
    expect(sha256(download.body)).toBe(sha256(Buffer.alloc(8 * 1024 * 1024, 7)))
    expect(download.headers['x-request-id']).toBe('rid-2')
    expect((await request(gw.port, '/whole', { host: 'fn.localhost' })).text).toBe('x'.repeat(4 * 1024 * 1024))
    // The connection that carried them, paused and resumed for backpressure, carries the next ones.
    for (let i = 0; i < 3; i++) expect((await request(gw.port, '/', { body: 'small', host: 'fn.localhost' })).json()).toMatchObject({ length: 5 })
  })

  it('a function that answers without reading the body leaves its connection fit for the next request', async () => {
    const gw = await gateway('export default (req) => ({ method: req.method, url: req.url })', { concurrency: 1 })
    for (let i = 0; i < 5; i++) {
      const res = await request(gw.port, `/p${i}`, { body: Buffer.alloc(3 * 1024 * 1024, 1), host: 'fn.localhost' })
      expect(res.json()).toEqual({ method: 'POST', url: `http://fn.localhost/p${i}` })
    }
    expect((await request(gw.port, '/last', { host: 'fn.localhost' })).json()).toEqual({ method: 'GET', url: 'http://fn.localhost/last' })
    expect(gw.starts()).toBe(1)
  })

  it('the client\'s keep-alive connection carries its next request after an answer that did not wait for the body', async () => {
    const gw = await gateway('export default (req) => ({ method: req.method, path: new URL(req.url).pathname })', { concurrency: 1 })
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 })
    const send = (path: string, body?: Buffer) => new Promise<{ status: number, text: string, socket: unknown }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: gw.port, path, method: body ? 'POST' : 'GET', headers: { host: 'fn.localhost' }, agent: keepAlive, timeout: 10_000 }, (res) => {
        let text = ''
        res.on('data', (chunk) => { text += chunk })
        res.on('end', () => resolve({ status: res.statusCode!, text, socket: req.socket }))
      })
      req.on('timeout', () => req.destroy(new Error(`${path} timed out`)))
      req.on('error', reject)
      req.end(body)
    })
    try {
      const first = await send('/upload', Buffer.alloc(8 * 1024 * 1024, 1))
      expect(JSON.parse(first.text)).toEqual({ method: 'POST', path: '/upload' })
      const next = await send('/next')
      expect(JSON.parse(next.text)).toEqual({ method: 'GET', path: '/next' })
      expect(next.socket).toBe(first.socket)
    }
    finally {
      keepAlive.destroy()
    }
  })

  it('a Lambda handler gets the body, headers and request id; the record tells what happened', async () => {
    const gw = await gateway('export const handler = async (event, context) => ({ statusCode: 201, headers: { "x-out": "1" }, body: JSON.stringify({ body: event.body, b64: event.isBase64Encoded, custom: event.headers["x-custom"], id: context.awsRequestId, ip: event.requestContext.http.sourceIp }) })')
    const res = await request(gw.port, '/path?q=1', { body: '{"a":1}', host: 'fn.localhost', headers: { 'content-type': 'application/json', 'x-custom': 'yes' } })
    expect(res.status).toBe(201)
    expect(res.headers['x-out']).toBe('1')
    expect(res.json()).toEqual({ body: '{"a":1}', b64: false, custom: 'yes', id: 'rid-1', ip: '127.0.0.1' })
    expect(gw.records).toMatchObject([{ function: 'fn', requestId: 'rid-1', method: 'POST', path: '/path?q=1', status: 201, coldStart: true }])
  })

  it('a function past its timeout: 504, and the next request gets a fresh instance', async () => {
    const gw = await gateway('export default (req) => new URL(req.url).pathname === "/hang" ? new Promise(() => {}) : "ok"', { timeout: 3 })
    const hung = await request(gw.port, '/hang', { host: 'fn.localhost' })
    expect(hung.status).toBe(504)
    expect(hung.json().error.code).toBe('FUNCTION_TIMEOUT')
    expect((await request(gw.port, '/', { host: 'fn.localhost' })).text).toBe('ok')
    expect(gw.starts()).toBe(2)
  })

  it('an instance that dies mid-body cuts the client\'s response, and is recorded as a crash', async () => {
    const gw = await gateway(`export default () => new Response(new ReadableStream({
      start(c) { c.enqueue(new TextEncoder().encode('partial')); setTimeout(() => process.exit(7), 50) },
    }))`)
    const outcome = await new Promise<string>((resolve) => {
      httpRequest({ host: '127.0.0.1', port: gw.port, path: '/', agent: false }, (res) => {
        res.on('data', () => {})
        res.on('end', () => resolve('complete'))
        res.on('error', () => resolve('cut'))
        res.on('aborted', () => resolve('cut'))
      }).on('error', () => resolve('cut')).end()
    })
    expect(outcome).toBe('cut')
    await sleep(50)
    expect(gw.records.at(-1)).toMatchObject({ requestId: 'rid-1', error: 'FUNCTION_CRASHED' })
  })

  it('a slow client slows the function down: the gateway does not buffer the response', async () => {
    const gw = await gateway(`let produced = 0
      export default (req) => {
        if (new URL(req.url).pathname === '/produced') return { produced }
        const chunk = new Uint8Array(64 * 1024)
        return new Response(new ReadableStream({ pull(c) { if (produced >= 256 * 1024 * 1024) return c.close(); produced += chunk.length; c.enqueue(chunk) } }))
      }`)
    const req = httpRequest({ host: '127.0.0.1', port: gw.port, path: '/', agent: false }, res => res.pause())
    req.on('error', () => {})
    req.end()
    await sleep(1000)
    const { produced } = (await request(gw.port, '/produced', { host: 'fn.localhost' })).json()
    console.log(`produced while the client read nothing: ${(produced / 1024 / 1024).toFixed(1)} MB of 256 MB`)
    expect(produced).toBeLessThan(32 * 1024 * 1024)
    req.destroy()
  })
})
