import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { request } from '../helpers/http'
import { runtimeBootstrap } from '../helpers/paths'
import { startRuntime } from '../helpers/runtime'

const temporary: string[] = []
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temporary.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const bundle = (code: string) => {
  const file = join(tempDir('bundle-'), 'index.mjs')
  writeFileSync(file, code)
  return file
}

describe('runtime/bootstrap.mjs', () => {
  it('the socket path appears only once it accepts connections', async () => {
    const socketDir = tempDir('ready-')
    const socketPath = join(socketDir, 'fn.sock')
    const child = spawn(process.execPath, [runtimeBootstrap], { env: { LAMBDA_SOCKET: socketPath, LAMBDA_HANDLER: bundle('export default () => "ok"') } })
    try {
      while (!existsSync(socketPath)) await new Promise(r => setImmediate(r))
      // the first connect after the path shows up must succeed
      await new Promise<void>((resolve, reject) => {
        const socket = connect(socketPath, () => {
          socket.end()
          resolve()
        })
        socket.on('error', reject)
      })
    }
    finally {
      child.kill('SIGKILL')
    }
  })

  it('streams the response body as the function produces it', async () => {
    const rt = await startRuntime(bundle(`export default () => new Response(new ReadableStream({
      async start(c) { c.enqueue(new TextEncoder().encode('first;')); await new Promise(r => setTimeout(r, 400)); c.enqueue(new TextEncoder().encode('second')); c.close() }
    }))`))
    try {
      const { request: raw } = await import('node:http')
      const timeline: Array<[string, number]> = []
      const started = Date.now()
      await new Promise<void>((resolve, reject) => {
        raw({ socketPath: rt.socketPath, path: '/' }, (res) => {
          res.on('data', d => timeline.push([String(d), Date.now() - started]))
          res.on('end', resolve)
        }).on('error', reject).end()
      })
      expect(timeline.map(([chunk]) => chunk).join('')).toBe('first;second')
      expect(timeline[0]![0]).toBe('first;')
      expect(timeline.at(-1)![1] - timeline[0]![1]).toBeGreaterThanOrEqual(300)
    }
    finally {
      await rt.stop()
    }
  })

  it('streams the request body into the function', async () => {
    const rt = await startRuntime(bundle(`export default async (req) => {
      let chunks = 0, bytes = 0
      for await (const c of req.body) { chunks++; bytes += c.length }
      return { chunks, bytes }
    }`))
    try {
      const res = await rt.request('/', { body: Buffer.alloc(4 * 1024 * 1024, 1) })
      expect(res.json().bytes).toBe(4 * 1024 * 1024)
      expect(res.json().chunks).toBeGreaterThan(1)
    }
    finally {
      await rt.stop()
    }
  })

  it('maps strings to text/plain, objects to JSON and nothing to 204', async () => {
    const rt = await startRuntime(bundle(`export default { fetch(req) {
      const p = new URL(req.url).pathname
      if (p === '/text') return 'plain'
      if (p === '/none') return undefined
      return { json: true }
    } }`))
    try {
      const text = await rt.request('/text')
      expect(text.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(text.text).toBe('plain')
      expect((await rt.request('/none')).status).toBe(204)
      const json = await rt.request('/obj')
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(json.json()).toEqual({ json: true })
    }
    finally {
      await rt.stop()
    }
  })

  it('includes the stack in a 500 only in dev mode', async () => {
    const code = 'export default () => { throw new Error("nope") }'
    const prod = await startRuntime(bundle(code))
    const dev = await startRuntime(bundle(code), { LAMBDA_DEV: '1' })
    try {
      const p = (await prod.request('/')).json()
      expect(p.error).toEqual({ code: 'FUNCTION_ERROR', message: 'nope' })
      const d = (await dev.request('/')).json()
      expect(d.error.stack.length).toBeGreaterThan(1)
      expect(prod.output()).toContain('nope')
    }
    finally {
      await prod.stop()
      await dev.stop()
    }
  })

  it('reports an import-time error on stderr, exits non-zero, and writes no file', async () => {
    const socketDir = tempDir('fail-')
    const child = spawn(process.execPath, [runtimeBootstrap], { env: { LAMBDA_SOCKET: join(socketDir, 'fn.sock'), LAMBDA_HANDLER: bundle('throw new Error("cannot load")') } })
    let stderr = ''
    child.stderr.on('data', (d) => { stderr += d })
    const code = await new Promise(resolve => child.on('exit', resolve))
    expect(code).toBe(1)
    expect(stderr).toContain('cannot load')
    expect(readdirSync(socketDir)).toEqual([])
  })

  it('rejects a module that exports no handler, saying what it must export', async () => {
    const child = spawn(process.execPath, [runtimeBootstrap], { env: { LAMBDA_SOCKET: join(tempDir('fail-'), 'fn.sock'), LAMBDA_HANDLER: bundle('export const notAHandler = 1') } })
    let stderr = ''
    child.stderr.on('data', (d) => { stderr += d })
    await new Promise(resolve => child.on('exit', resolve))
    expect(stderr).toContain('export default (request, context)')
  })

  it('finishes in-flight requests on SIGTERM, then exits', async () => {
    const rt = await startRuntime(bundle('export default async () => { await new Promise(r => setTimeout(r, 300)); return "done" }'))
    const pending = rt.request('/')
    await new Promise(r => setTimeout(r, 50))
    process.kill(rt.pid, 'SIGTERM')
    expect((await pending).text).toBe('done')
    expect(await rt.exited).toBe(0)
    await rt.stop()
  })

  it('serves a request through a plain unix-socket HTTP client', async () => {
    const rt = await startRuntime(bundle('export default (req, ctx) => ({ fn: ctx.functionName, id: ctx.requestId })'))
    try {
      const res = await request(undefined, '/', { socketPath: rt.socketPath, headers: { 'x-lambda-request-id': 'rid-1' } })
      expect(res.json()).toEqual({ fn: 'test-fn', id: 'rid-1' })
    }
    finally {
      await rt.stop()
    }
  })
})
