import type { Server } from 'node:http'
import type { InvocationRecord } from '../../src/proxy/invoke'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { LambdaError } from '../../src/errors'
import { startProcessInstance } from '../../src/instances/process-instance'
import { InstancePool } from '../../src/pool/instance-pool'
import { invokeThroughPool } from '../../src/proxy/invoke'
import { afterThisTest } from './cleanups'

const dir = mkdtempSync(join(tmpdir(), 'gateway-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

export interface Gateway {
  port: number
  pool: InstancePool
  records: InvocationRecord[]
  starts: () => number
}

/** A function behind a minimal gateway: the agent's hot path (invokeThroughPool) on a node:http server. */
export async function gateway(code: string, { timeout = 5, concurrency = 4 } = {}): Promise<Gateway> {
  const bundlePath = join(dir, `${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(bundlePath, code)
  let starts = 0
  const pool = new InstancePool({
    name: 'fn',
    version: '1',
    concurrency,
    minInstances: 0,
    maxInstances: 1,
    idleTimeoutMs: 0,
    launch: () => {
      starts++
      return startProcessInstance({ name: 'fn', version: '1', timeout, concurrency, memory: 256, env: {}, bundlePath, socketDir: dir, inheritEnv: false, limitMemory: false })
    },
  })
  const records: InvocationRecord[] = []
  let n = 0
  const server: Server = createServer((req, res) => {
    invokeThroughPool(req, res, {
      pool,
      path: req.url ?? '/',
      timeoutMs: timeout * 1000,
      memory: 256,
      forwarded: { requestId: `rid-${++n}`, clientIp: '127.0.0.1', host: req.headers.host ?? '', proto: 'http' },
      onComplete: record => records.push(record),
    }).then(() => res.end(), (error) => {
      const status = LambdaError.is(error) ? error.status : 500
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(LambdaError.is(error) ? error.toJSON() : { error: { message: String(error) } }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  afterThisTest(() => pool.close())
  afterThisTest(() => new Promise(resolve => server.close(resolve)))
  afterThisTest(() => server.closeAllConnections())
  return { port: (server.address() as { port: number }).port, pool, records, starts: () => starts }
}
