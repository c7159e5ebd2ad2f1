import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { request } from '../helpers/http'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'
import { buildTar } from '../helpers/tar'

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

/** Sends a request and hangs up after `ms`, as an impatient client does. */
function callAndHangUp(port: number, host: string, path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host }, agent: false })
    req.on('error', () => resolve())
    req.end()
    setTimeout(() => {
      req.destroy()
      resolve()
    }, ms)
  })
}

const project = () => createProject({
  'lambda.config.ts': `import { defineConfig } from 'mini-lambda'
export default defineConfig({
  functions: {
    // One request at a time on one instance: a client that leaves must not let a second one in.
    serial: { concurrency: 1, maxInstances: 1, timeout: 3 },
  },
})
`,
  'functions/hello/index.ts': 'export default () => ({ message: \'hello\' })\n',
  'functions/serial/index.ts': `let running = 0
let peak = 0
export default async (request: Request) => {
  const { pathname } = new URL(request.url)
  if (pathname === '/peak') return { peak }
  if (pathname === '/stream') {
    // An endless stream: it stops only when the client has gone and the runtime cancels it.
    let timer: NodeJS.Timeout
    return new Response(new ReadableStream({
      start(controller) { timer = setInterval(() => controller.enqueue(new TextEncoder().encode('tick\\n')), 20) },
      cancel() { clearInterval(timer) },
    }))
  }
  peak = Math.max(peak, ++running)
  await new Promise(r => setTimeout(r, 600))
  running--
  return { done: true }
}
`,
})

describe('the agent holds up against clients and a second agent', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('a second agent on the same data dir refuses to start, naming the first; the first keeps serving', async () => {
    const second = await runCli(['agent', '--port', String(await freePort()), '--host', '127.0.0.1', '--data-dir', suite.agent.dataDir, '--provider', 'process'])
    expect(second.code).toBe(1)
    expect(second.output).toContain(`Another agent (pid ${suite.agent.process.child.pid}, port ${suite.agent.port}`)
    expect(second.output).toContain(suite.agent.dataDir)
    expect(second.output).toContain('--data-dir')
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'hello' })
  })

  it('an unauthenticated 404 names no other function; the admin API, with a key, lists them', async () => {
    const anonymous = await suite.agent.call('nope')
    expect(anonymous.status).toBe(404)
    expect(anonymous.json().error.code).toBe('FUNCTION_NOT_FOUND')
    for (const name of ['hello', 'serial']) expect(anonymous.text).not.toContain(name)
    const versioned = await suite.agent.call('v2.nope')
    expect(versioned.status).toBe(404)
    expect(versioned.text).not.toContain('hello')
    const admin = await suite.agent.admin('/functions/nope/invoke/')
    expect(admin.status).toBe(404)
    expect(admin.json().error.known).toEqual(['hello', 'serial'])
  })

  it('a client that hangs up keeps its slot until the function has finished: concurrency 1 means one at a time', async () => {
    const host = `serial.localhost:${suite.agent.port}`
    await callAndHangUp(suite.agent.port, host, '/work', 100)
    // Right after the first client left, while its work still runs.
    const second = await request(suite.agent.port, '/work', { host })
    expect(second.status).toBe(200)
    expect((await request(suite.agent.port, '/peak', { host })).json()).toEqual({ peak: 1 })
  })

  it('a streaming response whose client left is cancelled, and the slot comes back before the deadline', async () => {
    const host = `serial.localhost:${suite.agent.port}`
    await callAndHangUp(suite.agent.port, host, '/stream', 200)
    // With the slot held to the 3 s deadline, this request's own 3 s would run out first (504).
    const next = await request(suite.agent.port, '/peak', { host })
    expect(next.status).toBe(200)
  })
})

describe('the agent completes and checks an uploaded config itself', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject())

  const upload = (config: unknown) => suite.agent.admin('/functions/bare', {
    method: 'PUT',
    headers: { 'content-type': 'application/x-tar' },
    body: buildTar([
      { path: '.mini-lambda.json', body: JSON.stringify({ name: 'bare', kind: 'node', hash: createHash('sha256').update(JSON.stringify(config)).digest('hex'), config }) },
      { path: 'index.mjs', body: 'export default (req, ctx) => ({ memory: ctx.memoryLimitInMB, left: ctx.getRemainingTimeInMillis() > 0 })\n' },
    ]),
  })

  it('config: {} deploys with every default, and the function answers', async () => {
    const res = await upload({})
    expect(res.status, res.text).toBe(200)
    const described = (await suite.agent.admin('/functions/bare')).json()
    expect(described.config).toMatchObject({ timeout: 30, memory: 128, cpu: 1, concurrency: 50, minInstances: 0, maxInstances: 10, auth: 'none', network: false, schedule: [] })
    const call = await suite.agent.call('bare')
    expect(call.status).toBe(200)
    expect(call.json()).toEqual({ memory: 128, left: true })
  })

  it('omitting concurrency and maxInstances still serves concurrent requests', async () => {
    expect((await upload({ timeout: 5, memory: 96 })).status).toBe(200)
    const answers = await Promise.all(Array.from({ length: 8 }, () => suite.agent.call('bare')))
    expect(answers.map(a => a.status)).toEqual(Array.from({ length: 8 }, () => 200))
    expect(answers[0]!.json().memory).toBe(96)
  })

  it('a wrong field is refused with the CLI\'s own message, and the serving version stays', async () => {
    const res = await upload({ memory: 'lots', timeout: -1, surprise: true })
    expect(res.status).toBe(400)
    const { error } = res.json()
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toContain('functions.bare.memory')
    expect(error.message).toContain('functions.bare.timeout')
    expect(error.message).toContain('surprise')
    expect((await suite.agent.call('bare')).json().memory).toBe(96)
  })

  it('more CPU than the machine has is refused', async () => {
    const res = await upload({ cpu: 4096 })
    expect(res.status).toBe(400)
    expect(res.json().error.message).toMatch(/cpu/)
  })
})

describe('a killed agent leaves nothing behind for long', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject())

  it('an upload spool cut short by kill -9 is removed at the next start', async () => {
    const tmp = join(suite.agent.dataDir, 'tmp')
    // An upload that sends a little and then waits, as a slow client would.
    const req = httpRequest({ host: '127.0.0.1', port: suite.agent.port, path: '/_lambda/functions/slow', method: 'PUT', headers: { 'host': `127.0.0.1:${suite.agent.port}`, 'authorization': `Bearer ${suite.agent.key}`, 'content-type': 'application/x-tar', 'transfer-encoding': 'chunked' } })
    req.on('error', () => {})
    req.write(Buffer.alloc(64 * 1024, 1))
    for (let i = 0; i < 100 && !(existsSync(tmp) && readdirSync(tmp).length > 0); i++) await sleep(20)
    expect(readdirSync(tmp).length).toBeGreaterThan(0)
    await suite.agent.process.stop('SIGKILL')
    req.destroy()
    expect(readdirSync(tmp).length).toBeGreaterThan(0)
    suite.agent = await suite.agent.restart()
    expect(readdirSync(tmp)).toEqual([])
  })

  it('sIGTERM stops the agent even with a request in flight', async () => {
    const host = `127.0.0.1:${suite.agent.port}`
    const hanging = httpRequest({ host: '127.0.0.1', port: suite.agent.port, path: '/_lambda/functions/x', method: 'PUT', headers: { host, 'authorization': `Bearer ${suite.agent.key}`, 'transfer-encoding': 'chunked' } })
    hanging.on('error', () => {})
    hanging.write('x')
    const started = performance.now()
    const code = await suite.agent.process.stop('SIGTERM')
    console.log(`agent stopped ${Math.round(performance.now() - started)} ms after SIGTERM, with an upload in flight`)
    expect(code).toBe(0)
    hanging.destroy()
    suite.agent = await suite.agent.restart()
  })
})
