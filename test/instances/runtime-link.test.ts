import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import type { FrameChannel, FrameRequest, ResponseSink } from '../../src/instances/frame-channel'
import { spawn } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RuntimeLink } from '../../src/instances/runtime-link'
import { afterThisTest, tempDir } from '../helpers/cleanups'
import { requestOverLink as get } from '../helpers/link-request'
import { runtimeBootstrap } from '../helpers/paths'
import { until } from '../helpers/until'

function openLink(options: { concurrency?: number, helloTimeoutMs?: number } = {}): RuntimeLink {
  const link = RuntimeLink.open({ socketPath: join(tempDir('link-'), 'agent.sock'), concurrency: options.concurrency ?? 4, helloTimeoutMs: options.helloTimeoutMs })
  afterThisTest(() => link.close())
  return link
}

/** The real runtime, dialing `link`, running `code` as its function. */
function startRuntime(link: RuntimeLink, code: string, env: Record<string, string> = {}): { child: ChildProcess, output: () => string, exited: Promise<number | null> } {
  const handler = join(tempDir('fn-'), 'index.mjs')
  writeFileSync(handler, code)
  const child = spawn(process.execPath, [runtimeBootstrap], { env: { PATH: process.env.PATH, LAMBDA_AGENT_SOCKET: link.socketPath, LAMBDA_HANDLER: handler, LAMBDA_CONCURRENCY: '4', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d) => { output += d })
  child.stderr!.on('data', (d) => { output += d })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  afterThisTest(() => child.kill('SIGKILL'))
  return { child, output: () => output, exited }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('the runtime link: the agent listens, the runtime dials', () => {
  it('the runtime connects to the agent\'s socket and serves requests as frames over it, creating nothing in the link folder', async () => {
    const link = openLink()
    startRuntime(link, 'export default (req, ctx) => ({ path: new URL(req.url).pathname, id: ctx.requestId })')
    await link.ready
    expect(link.protocol).toBe('mux')
    const res = await get(link, '/hello', { id: 'rid-7' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ path: '/hello', id: 'rid-7' })
    expect(readdirSync(join(link.socketPath, '..'))).toEqual(['agent.sock'])
  })

  it('a request paused for a slow client holds up no other request on the same connection', async () => {
    const link = openLink({ concurrency: 4 })
    startRuntime(link, 'export default (req) => new URL(req.url).pathname === "/big" ? "x".repeat(4 * 1024 * 1024) : new URL(req.url).pathname')
    await link.ready
    // Never resumed: the runtime may send it no more than its window, and the other streams go on.
    const stuck = get(link, '/big', { pauseOnBody: true })
    stuck.catch(() => {})
    await sleep(50)
    for (let i = 0; i < 3; i++) expect((await get(link, `/next-${i}`)).body).toBe(`/next-${i}`)
    // Head, body and end in one write, paused at the body: the end still frees it.
    expect((await get(link, '/small', { pauseOnBody: true })).body).toBe('/small')
  })

  it('a request body far bigger than the window arrives whole, and so does an answer', async () => {
    const link = openLink()
    startRuntime(link, 'export default async (req) => { const text = await req.text(); return text.length + ":" + text.slice(-5) + ":" + "y".repeat(3 * 1024 * 1024) }')
    await link.ready
    const body = Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 'b'), Buffer.from('-end!')])
    const answer = await get(link, '/', { body })
    expect(answer.body.slice(0, 20)).toBe(`${body.length}:-end!:yyyyyyyyyyy`.slice(0, 20))
    expect(answer.body.length).toBe(`${body.length}:-end!:`.length + 3 * 1024 * 1024)
  })

  it('an import-time error reaches the agent over the link, with the function\'s own message', async () => {
    const link = openLink()
    const runtime = startRuntime(link, 'throw new Error("cannot start: missing DATABASE_URL")')
    expect(await runtime.exited).toBe(1)
    expect(await link.startupErrorAfterExit()).toContain('cannot start: missing DATABASE_URL')
  })

  it('every request shares one connection: a burst of simultaneous requests needs no dialing', async () => {
    const link = openLink({ concurrency: 20 })
    startRuntime(link, `let running = 0, peak = 0
      export default async (req) => {
        if (new URL(req.url).pathname === '/peak') return { peak }
        peak = Math.max(peak, ++running); await new Promise(r => setTimeout(r, 5)); running--; return 'ok'
      }`, { LAMBDA_CONCURRENCY: '20' })
    await link.ready
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(link, '/')))
      expect(answers.map(a => a.body)).toEqual(Array.from({ length: 20 }, () => 'ok'))
    }
    expect(JSON.parse((await get(link, '/peak')).body).peak).toBe(20)
    // The control connection and the mux.
    expect(link.connections).toBe(2)
  })

  it('tells the agent when a request whose connection was cut has really finished', async () => {
    const link = openLink()
    const runtime = startRuntime(link, 'export default async () => { await new Promise(r => setTimeout(r, 400)); console.log("work finished"); return "late" }')
    await link.ready
    let started: FrameRequest | undefined
    get(link, '/', { id: 'cut-1', started: request => (started = request) }).catch(() => {})
    await sleep(100)
    started!.abandon()
    const done = link.whenDone('cut-1')
    expect(done).toBeDefined()
    await done
    expect(runtime.output()).toContain('work finished')
    // a request never sent is done after a short grace (its await may come before its request)
    await link.whenDone('never-sent')
  })

  describe('what a hostile function can send is bounded', () => {
    const dial = (link: RuntimeLink) => new Promise<Socket>((resolve, reject) => {
      const socket = connect(link.socketPath, () => resolve(socket))
      socket.on('error', reject)
    })
    const closed = (socket: Socket) => new Promise<void>(resolve => socket.destroyed ? resolve() : socket.once('close', () => resolve()))

    it('connections beyond concurrency + a few are refused', async () => {
      const link = openLink({ concurrency: 2 })
      const sockets = await Promise.all(Array.from({ length: 40 }, () => dial(link).catch(() => undefined)))
      await sleep(100)
      expect(link.connections).toBeLessThanOrEqual(2 + 4)
      for (const socket of sockets) socket?.destroy()
    })

    it('a connection that never says who it is, or says nonsense, is dropped', async () => {
      const link = openLink({ helloTimeoutMs: 200 })
      const silent = await dial(link)
      const nonsense = await dial(link)
      nonsense.write('GET / HTTP/1.1\r\n\r\n')
      const endless = await dial(link)
      endless.write(Buffer.alloc(256 * 1024, 'a'))
      await Promise.all([closed(silent), closed(nonsense), closed(endless)])
      const state = { ready: false }
      link.ready.then(() => (state.ready = true))
      await sleep(20)
      expect(state.ready).toBe(false)
    })

    /** A hostile runtime's mux connection, with a request sent to it: what became of the request. */
    async function hostileMux(link: RuntimeLink, { pauseOnBody = false } = {}) {
      const socket = await dial(link)
      socket.write('{"mini-lambda":1,"role":"mux"}\n')
      await link.ready
      let request: FrameRequest | undefined
      const outcome = new Promise<string>((resolve) => {
        // Paused as for a slow client: nothing it receives is given back as credit.
        const sink: ResponseSink = { head: () => {}, body: () => pauseOnBody && request!.pause(), end: () => resolve('end'), closed: () => resolve('closed'), malformed: reason => resolve(`malformed: ${reason}`) }
        const start = (channel: FrameChannel) => (request = channel.send({ m: 'GET', u: '/', h: [], i: 'rid', d: Date.now() + 5000, b: 0 }, sink))
        const idle = link.takeChannel((error, channel) => error ? resolve('no channel') : start(channel!))
        if (idle) start(idle)
      })
      // The request's head, on stream 1.
      const head = await new Promise<Buffer>(resolve => socket.once('data', resolve))
      expect(head[0]).toBe(1)
      expect(head.readUInt32BE(1)).toBe(1)
      return { socket, outcome }
    }
    const muxFrame = (type: number, stream: number, payload: Buffer | number = Buffer.alloc(0)) => {
      const length = typeof payload === 'number' ? payload : payload.length
      const header = Buffer.alloc(9)
      header[0] = type
      header.writeUInt32BE(stream, 1)
      header.writeUInt32BE(length, 5)
      return typeof payload === 'number' ? header : Buffer.concat([header, payload])
    }

    it('on the mux, a frame for a stream the agent never opened ends the connection as a broken protocol', async () => {
      const link = openLink()
      const { socket, outcome } = await hostileMux(link)
      socket.write(muxFrame(1, 99, Buffer.from('hi')))
      expect(await outcome).toBe('malformed: sent a frame for a stream never opened')
      await closed(socket)
    })

    it('on the mux, more bytes than the window ahead of the agent\'s credit end the connection', async () => {
      const link = openLink()
      const { socket, outcome } = await hostileMux(link, { pauseOnBody: true })
      // A response head and a body frame of 1 MB, sent past the pause: it stops at the window, not at memory.
      const head = Buffer.from(JSON.stringify({ s: 200, h: [] }))
      const frames = Buffer.concat([Buffer.from([1, 0, 0, 0, head.length]), head, Buffer.from([2, 0, 0x10, 0, 0])])
      socket.write(muxFrame(1, 1, frames))
      const flood = Buffer.alloc(64 * 1024, 'z')
      for (let i = 0; i < 6; i++) socket.write(muxFrame(1, 1, flood))
      expect(await outcome).toMatch(/^malformed: sent more than 262144 bytes on a stream ahead of its credit/)
      await closed(socket)
    })

    it('on the mux, an unknown frame type or an oversized frame ends the connection', async () => {
      for (const frame of [muxFrame(7, 1, Buffer.from('x')), muxFrame(1, 1, 16 * 1024 * 1024)]) {
        const link = openLink()
        const { socket, outcome } = await hostileMux(link)
        socket.write(frame)
        expect(await outcome).toMatch(/^malformed: sent (an unknown frame type \(7\)|a data frame of 16777216 bytes)$/)
        await closed(socket)
      }
    })

    it('on the mux, a runtime that answers without taking a big body or giving credit leaves the agent holding none of it', async () => {
      const link = openLink()
      const socket = await dial(link)
      socket.write('{"mini-lambda":1,"role":"mux"}\n')
      await link.ready
      const received: Buffer[] = []
      socket.on('data', chunk => received.push(chunk))
      const answer = get(link, '/upload', { body: Buffer.alloc(2 * 1024 * 1024, 7) })
      await until(() => Buffer.concat(received).length >= 256 * 1024, 'the first window of the body', 5000)
      // An answer at once, on stream 1: a head and an end, and never a credit.
      const head = Buffer.from(JSON.stringify({ s: 200, h: [] }))
      socket.write(muxFrame(1, 1, Buffer.concat([Buffer.from([1, 0, 0, 0, head.length]), head, Buffer.from([3, 0, 0, 0, 0])])))
      expect((await answer).status).toBe(200)
      // The rest of the body is not kept waiting for credit: the stream is closed instead.
      const close = muxFrame(2, 1, 0)
      await until(() => Buffer.concat(received).includes(close), 'a CLOSE for stream 1', 5000)
    })

    it('a runtime from before the mux still serves: a `frames` connection per request', async () => {
      const link = openLink()
      const old = await dial(link)
      old.write('{"mini-lambda":1,"role":"frames"}\n')
      await link.ready
      expect(link.protocol).toBe('frames')
      const answer = get(link, '/legacy')
      const head = await new Promise<Buffer>(resolve => old.once('data', resolve))
      expect(JSON.parse(head.subarray(5).toString()).u).toBe('/legacy')
      const json = Buffer.from(JSON.stringify({ s: 200, h: ['content-type', 'text/plain'] }))
      old.write(Buffer.concat([Buffer.from([1, 0, 0, 0, json.length]), json, Buffer.from([2, 0, 0, 0, 3]), Buffer.from('old'), Buffer.from([3, 0, 0, 0, 0])]))
      expect((await answer).body).toBe('old')
    })

    it('a second mux connection is refused while the first one is up', async () => {
      const link = openLink()
      const first = await dial(link)
      first.write('{"mini-lambda":1,"role":"mux"}\n')
      await link.ready
      const second = await dial(link)
      second.write('{"mini-lambda":1,"role":"mux"}\n')
      await closed(second)
      expect(first.destroyed).toBe(false)
    })

    it('bytes sent after the hello, before any request, close the connection', async () => {
      const link = openLink()
      const socket = await dial(link)
      socket.write('{"mini-lambda":1,"role":"http"}\nHTTP/1.1 200 OK\r\n\r\n')
      await closed(socket)
    })
  })
})
