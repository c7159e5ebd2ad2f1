import type { Server } from 'node:net'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { afterThisTest } from '../helpers/cleanups'
import { runCli, startCli } from '../helpers/cli'
import { request } from '../helpers/http'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'

const project = createProject({ 'functions/hello/index.ts': 'export default () => \'hi\'\n' })
afterAll(() => project.remove())

/** Holds a port on the interface lambda dev listens on; resolves false when someone else holds it already. */
function hold(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, 'localhost', () => resolve(server))
  })
}

describe('lambda dev and a port that is taken', () => {
  let blocker: Server | undefined
  let taken: number
  beforeAll(async () => {
    taken = await freePort()
    blocker = await hold(taken)
  })
  afterAll(() => blocker?.close())

  it('--port that is taken is an error naming the port and the fix; nothing serves elsewhere', async () => {
    const result = await runCli(['dev', '--port', String(taken)], { cwd: project.dir, timeoutMs: 60_000 })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Port ${taken} on localhost is already in use.`)
    expect(result.stderr).toContain(`ss -ltnp 'sport = :${taken}'`)
    expect(result.stderr).toContain('lambda dev --port <another port>')
    expect(result.output).not.toContain('[get-port]')
    expect(result.output).not.toContain('dev server on')
  })

  it('without --port, a taken default moves to a free port, and says so plainly', async () => {
    // The default is 3000: held here, unless something on this machine holds it already (as good).
    const held = await hold(3000)
    afterThisTest(() => held?.close())
    const dev = startCli(['dev'], { cwd: project.dir })
    afterThisTest(() => dev.stop())
    const [, port] = await dev.waitFor(/Port 3000 is taken: serving on http:\/\/localhost:(\d+)\/ instead \(choose one with --port\)\./, 60_000)
    expect(Number(port)).not.toBe(3000)
    expect(dev.output()).toContain(`dev server on http://localhost:${port}/`)
    expect(dev.output()).not.toContain('[get-port]')
    const hello = await request(Number(port), '/', { host: `hello.localhost:${port}` })
    expect(hello.text).toBe('hi')
  })
})
