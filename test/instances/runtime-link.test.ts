import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import type { FrameRequest } from '../../src/instances/frame-channel'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RuntimeLink } from '../../src/instances/runtime-link'
import { requestOverLink as get } from '../helpers/link-request'
import { runtimeBootstrap } from '../helpers/paths'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function openLink(options: { concurrency?: number, helloTimeoutMs?: number } = {}): RuntimeLink {
  const link = RuntimeLink.open({ socketPath: join(tempDir('link-'), 'agent.sock'), concurrency: options.concurrency ?? 4, helloTimeoutMs: options.helloTimeoutMs })
  cleanups.push(() => link.close())
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
  cleanups.push(() => child.kill('SIGKILL'))
  return { child, output: () => output, exited }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('the runtime link: the agent listens, the runtime dials', () => {
  it('the runtime connects to the agent\'s socket and serves requests as frames over it, creating nothing in the link folder', async () => {
    const link = openLink()
    startRuntime(link, 'export default (req, ctx) => ({ path: new URL(req.url).pathname, id: ctx.requestId })')
    await link.ready
    expect(link.protocol).toBe('frames')
    const res = await get(link, '/hello', { id: 'rid-7' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ path: '/hello', id: 'rid-7' })
    expect(readdirSync(join(link.socketPath, '..'))).toEqual(['agent.sock'])
  })

  it('a connection paused for a slow client just before its response ended carries the next request', async () => {
    const link = openLink({ concurrency: 1 })
    startRuntime(link, 'export default (req) => new URL(req.url).pathname', { LAMBDA_CONCURRENCY: '1' })
    await link.ready
    // Head, body and end arrive in one write: the end is read after the pause.
    expect((await get(link, '/first', { pauseOnBody: true })).body).toBe('/first')
    for (let i = 0; i < 3; i++) expect((await get(link, `/next-${i}`)).body).toBe(`/next-${i}`)
  })

  it('an import-time error reaches the agent over the link, with the function\'s own message', async () => {
    const link = openLink()
    const runtime = startRuntime(link, 'throw new Error("cannot start: missing DATABASE_URL")')
    expect(await runtime.exited).toBe(1)
    expect(await link.startupErrorAfterExit()).toContain('cannot start: missing DATABASE_URL')
  })

  it('opens connections as requests need them, never more than concurrency + 2 (+ control)', async () => {
    const link = openLink({ concurrency: 3 })
    startRuntime(link, `let running = 0, peak = 0
      export default async (req) => {
        if (new URL(req.url).pathname === '/peak') return { peak }
        peak = Math.max(peak, ++running); await new Promise(r => setTimeout(r, 40)); running--; return 'ok'
      }`, { LAMBDA_CONCURRENCY: '3' })
    await link.ready
    let connections = 0
    const sampler = setInterval(() => (connections = Math.max(connections, link.connections)), 1)
    // Three at a time, as the instance pool sends them (concurrency: 3).
    const answers: string[] = []
    await Promise.all(Array.from({ length: 3 }, async () => {
      for (let i = 0; i < 10; i++) answers.push((await get(link, '/')).body)
    }))
    clearInterval(sampler)
    expect(answers).toEqual(Array.from({ length: 30 }, () => 'ok'))
    expect(JSON.parse((await get(link, '/peak')).body).peak).toBe(3)
    expect(connections).toBeLessThanOrEqual(3 + 2 + 1)
  })

  it('a burst of simultaneous requests (a cold start\'s waiters) each gets a connection', async () => {
    const link = openLink({ concurrency: 20 })
    startRuntime(link, 'export default async () => { await new Promise(r => setTimeout(r, 5)); return "ok" }', { LAMBDA_CONCURRENCY: '20' })
    await link.ready
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(link, '/')))
      expect(answers.map(a => a.body)).toEqual(Array.from({ length: 20 }, () => 'ok'))
    }
    expect(link.connections).toBeLessThanOrEqual(20 + 2 + 1)
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
    // a request that is not running is done at once
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

    it('bytes sent after the hello, before any request, close the connection', async () => {
      const link = openLink()
      const socket = await dial(link)
      socket.write('{"mini-lambda":1,"role":"http"}\nHTTP/1.1 200 OK\r\n\r\n')
      await closed(socket)
    })
  })
})
