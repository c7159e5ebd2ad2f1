import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startProcessInstance } from '../../src/instances/process-instance'
import { InstancePool } from '../../src/pool/instance-pool'
import { callFunction } from '../../src/proxy/call-function'

const dir = mkdtempSync(join(tmpdir(), 'call-fn-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function poolFor(code: string, timeout = 2) {
  const bundlePath = join(dir, `${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(bundlePath, code)
  return new InstancePool({
    name: 'fn',
    version: '1',
    concurrency: 4,
    minInstances: 0,
    maxInstances: 1,
    idleTimeoutMs: 0,
    launch: () => startProcessInstance({ name: 'fn', version: '1', timeout, concurrency: 4, memory: 128, env: {}, bundlePath, socketDir: dir, inheritEnv: false, limitMemory: false }),
  })
}

const call = (path: string, body?: string) => ({ method: body === undefined ? 'GET' : 'POST', path, headers: { 'host': 'fn.localhost', 'content-type': 'application/json' }, body: body === undefined ? undefined : Buffer.from(body), requestId: 'rid-1' })

describe('callFunction: the agent calling a function itself (schedules, async invocations)', () => {
  it('delivers method, path, headers and body, and collects the answer', async () => {
    const pool = poolFor('export default async (req, ctx) => ({ method: req.method, path: new URL(req.url).pathname, body: await req.text(), id: ctx.requestId, type: req.headers.get("content-type") })')
    const result = await callFunction(pool, call('/run', '{"x":1}'), { timeoutMs: 5000, memory: 128 })
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body.toString())).toEqual({ method: 'POST', path: '/run', body: '{"x":1}', id: 'rid-1', type: 'application/json' })
    expect(result.coldStart).toBe(true)
    expect(result.error).toBeUndefined()
    await pool.close()
  })

  it('never rejects: a crash, a timeout and a start failure are results with the error', async () => {
    const crashing = poolFor('export default () => { setTimeout(() => process.exit(3), 5); return new Promise(() => {}) }')
    const crash = await callFunction(crashing, call('/'), { timeoutMs: 5000, memory: 128 })
    expect(crash).toMatchObject({ status: 502, error: { code: 'FUNCTION_CRASHED' } })
    await crashing.close()

    const stuck = poolFor('export default () => new Promise(() => {})', 1)
    const timeout = await callFunction(stuck, call('/'), { timeoutMs: 300, memory: 128 })
    expect(timeout).toMatchObject({ status: 504, error: { code: 'FUNCTION_TIMEOUT' } })
    await stuck.close()

    const broken = poolFor('throw new Error("cannot load")')
    const start = await callFunction(broken, call('/'), { timeoutMs: 5000, memory: 128 })
    expect(start.status).toBe(502)
    expect(start.error?.message).toContain('cannot load')
    await broken.close()
  })

  it('keeps at most maxBodyBytes of a large answer', async () => {
    const pool = poolFor('export default () => "x".repeat(100000)')
    const result = await callFunction(pool, call('/'), { timeoutMs: 5000, memory: 128, maxBodyBytes: 1000 })
    expect(result.body.length).toBe(1000)
    expect(result.truncated).toBe(true)
    await pool.close()
  })
})
