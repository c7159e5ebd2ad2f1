import type { DevHandle } from '../helpers/dev'
import type { TempProject } from '../helpers/project'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDev } from '../helpers/dev'
import { request } from '../helpers/http'
import { repoRoot } from '../helpers/paths'
import { createProject } from '../helpers/project'

let project: TempProject
let dev: DevHandle

beforeAll(async () => {
  project = createProject({}, { samples: true })
  cpSync(join(repoRoot, 'test/fixtures/contract'), project.dir, { recursive: true })
  dev = await startDev(project.dir)
})

afterAll(async () => {
  await dev?.stop()
  project?.remove()
})

describe('lambda dev serves the sample functions', () => {
  it('routes by Host header and by path', async () => {
    const byHost = await dev.call('hello')
    expect(byHost.status).toBe(200)
    expect(byHost.json()).toEqual({ message: 'Hello, World!' })
    const byPath = await dev.call(undefined, '/hello/')
    expect(byPath.json()).toEqual({ message: 'Hello, World!' })
  })

  it('prints every function URL at start', () => {
    for (const name of ['hello', 'echo', 'calculator']) expect(dev.process.output()).toContain(`http://${name}.localhost:${dev.port}/`)
  })

  it('echo returns the body with its content type', async () => {
    const res = await dev.call('echo', '/', { body: '{"a":1}', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.text).toBe('{"a":1}')
  })

  it('calculator computes from the query and from a JSON body, and rejects bad input with 400', async () => {
    expect((await dev.call('calculator', '/add?a=2&b=3')).json()).toMatchObject({ result: 5 })
    expect((await dev.call(undefined, '/calculator/mul?a=4&b=2.5')).json()).toMatchObject({ result: 10 })
    expect((await dev.call('calculator', '/', { body: JSON.stringify({ op: 'sub', a: 1, b: 5 }), headers: { 'content-type': 'application/json' } })).json()).toMatchObject({ result: -4 })
    const zero = await dev.call('calculator', '/div?a=1&b=0')
    expect(zero.status).toBe(400)
    expect(zero.json().error.code).toBe('DIVISION_BY_ZERO')
    const bad = await dev.call('calculator', '/add?a=x&b=1')
    expect(bad.status).toBe(400)
    expect(bad.json().error.code).toBe('BAD_OPERAND')
    const op = await dev.call('calculator', '/pow?a=1&b=1')
    expect(op.status).toBe(400)
  })
})

describe('requests and responses pass through unchanged', () => {
  it('method, path, query, headers, body and env reach the function', async () => {
    const res = await dev.call('inspect', '/a/b%20c?x=1&x=2&y=%2F', { method: 'PUT', body: 'payload', headers: { 'x-custom': 'value', 'content-type': 'text/plain' } })
    const seen = res.json()
    expect(seen.method).toBe('PUT')
    expect(seen.path).toBe('/a/b%20c')
    expect(seen.search).toBe('?x=1&x=2&y=%2F')
    expect(seen.headers['x-custom']).toBe('value')
    expect(seen.headers.host).toBe(`inspect.localhost:${dev.port}`)
    expect(seen.bodyText).toBe('payload')
    expect(seen.env).toBe('hi from env')
  })

  it('path routing strips the function prefix', async () => {
    const seen = (await dev.call(undefined, '/inspect/deep/path?q=1')).json()
    expect(seen.path).toBe('/deep/path')
    expect(seen.search).toBe('?q=1')
  })

  it('context carries request id, function name, version and deadline; the id is in x-request-id', async () => {
    const before = Date.now()
    const res = await dev.call('inspect')
    const { context } = res.json()
    expect(context.requestId).toBe(res.headers['x-request-id'])
    expect(context.functionName).toBe('inspect')
    expect(context.version).toBeTypeOf('string')
    expect(context.deadline).toBeGreaterThanOrEqual(before + 29_000)
    expect(context.remaining).toBeGreaterThan(25_000)
  })

  it('a client cannot forge the request id or the deadline', async () => {
    const { context } = (await dev.call('inspect', '/', { headers: { 'x-lambda-deadline': '1', 'x-request-id': 'forged' } })).json()
    expect(context.requestId).not.toBe('forged')
    expect(context.deadline).toBeGreaterThan(Date.now())
  })

  it('binary bodies survive both ways', async () => {
    const down = await dev.call('binary')
    expect([...down.body]).toEqual(Array.from({ length: 256 }, (_, i) => i))
    const upload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256))
    const up = await dev.call('binary', '/', { body: upload, headers: { 'content-type': 'application/octet-stream' } })
    const { createHash } = await import('node:crypto')
    expect(up.json()).toEqual({ length: upload.length, sha256: createHash('sha256').update(upload).digest('hex') })
  })

  it('status and headers of the function come back unchanged', async () => {
    const res = await dev.call('lambda-inspect', '/cookies')
    expect(res.status).toBe(201)
    expect(res.headers['x-custom']).toBe('yes')
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly'])
    expect(res.text).toBe('cookies set')
  })

  it('streams a large body through', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'x')
    const res = await dev.call('echo', '/', { body: big, headers: { 'content-type': 'text/plain' } })
    expect(res.body.length).toBe(big.length)
  })
})

describe('aWS Lambda handlers get API Gateway HTTP API (2.0) events', () => {
  it('builds the 2.0 event from the request', async () => {
    const res = await dev.call('lambda-inspect', '/items/42?tag=a&tag=b&q=x%20y', {
      method: 'POST',
      body: '{"name":"n"}',
      headers: { 'content-type': 'application/json', 'cookie': 'c1=v1; c2=v2', 'x-multi': ['1', '2'] },
    })
    const { event, context } = res.json()
    expect(event.version).toBe('2.0')
    expect(event.routeKey).toBe('$default')
    expect(event.rawPath).toBe('/items/42')
    expect(event.rawQueryString).toBe('tag=a&tag=b&q=x%20y')
    expect(event.queryStringParameters).toEqual({ tag: 'a,b', q: 'x y' })
    expect(event.cookies).toEqual(['c1=v1', 'c2=v2'])
    expect(event.headers.cookie).toBeUndefined()
    expect(event.headers['x-multi']).toBe('1,2')
    expect(event.headers['content-type']).toBe('application/json')
    expect(event.requestContext.http).toMatchObject({ method: 'POST', path: '/items/42', protocol: 'HTTP/1.1' })
    expect(event.requestContext.requestId).toBe(res.headers['x-request-id'])
    expect(event.body).toBe('{"name":"n"}')
    expect(event.isBase64Encoded).toBe(false)
    expect(context).toMatchObject({ functionName: 'lambda-inspect', memoryLimitInMB: '128', awsRequestId: res.headers['x-request-id'] })
    expect(context.remaining).toBeGreaterThan(0)
  })

  it('base64-encodes binary request bodies', async () => {
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255])
    const { event } = (await dev.call('lambda-inspect', '/', { body: bytes, headers: { 'content-type': 'application/octet-stream' } })).json()
    expect(event.isBase64Encoded).toBe(true)
    expect(Buffer.from(event.body, 'base64')).toEqual(bytes)
  })

  it('has no body, cookies or query parameters when the request has none', async () => {
    const { event } = (await dev.call('lambda-inspect', '/')).json()
    expect(event.body).toBeUndefined()
    expect(event.cookies).toBeUndefined()
    expect(event.queryStringParameters).toBeUndefined()
  })

  it('maps statusCode, headers, cookies and base64 bodies of the result', async () => {
    const res = await dev.call('lambda-inspect', '/base64')
    expect(res.headers['content-type']).toBe('image/png')
    expect([...res.body]).toEqual([0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 255])
  })

  it('turns results without statusCode into 200 JSON, as API Gateway does', async () => {
    const object = await dev.call('lambda-inspect', '/plain-object')
    expect(object.status).toBe(200)
    expect(object.headers['content-type']).toBe('application/json')
    expect(object.json()).toEqual({ hello: 'world' })
    const string = await dev.call('lambda-inspect', '/plain-string')
    expect(string.headers['content-type']).toBe('application/json')
    expect(string.text).toBe('just a string')
  })

  it('supports the callback style and context.succeed', async () => {
    const res = await dev.call('lambda-callback', '/?name=ada')
    expect(res.status).toBe(202)
    expect(res.text).toBe('called back for ada')
    expect((await dev.call('lambda-callback', '/succeed')).json()).toEqual({ via: 'context.succeed' })
    const failed = await dev.call('lambda-callback', '/error')
    expect(failed.status).toBe(500)
    expect(failed.json().error.message).toBe('callback error')
  })

  it('a thrown error is a 500 JSON error with the stack in dev', async () => {
    const res = await dev.call('lambda-inspect', '/throw')
    expect(res.status).toBe(500)
    const { error } = res.json()
    expect(error).toMatchObject({ code: 'FUNCTION_ERROR', message: 'lambda handler failed' })
    expect(error.stack.join('\n')).toContain('index.js')
  })
})

describe('errors are JSON and never take the dev server down', () => {
  it('unknown function: 404 listing the known ones', async () => {
    for (const res of [await dev.call('nope'), await dev.call(undefined, '/nope/')]) {
      expect(res.status).toBe(404)
      const { error } = res.json()
      expect(error.code).toBe('FUNCTION_NOT_FOUND')
      expect(error.message).toContain('nope')
      expect(error.message).toContain('hello')
      expect(error.hint).toBeTruthy()
    }
  })

  it('a throwing web function answers 500 and keeps serving', async () => {
    const res = await dev.call('crash', '/throw')
    expect(res.status).toBe(500)
    expect(res.json().error.message).toBe('boom from crash')
    expect((await dev.call('crash')).text).toMatch(/^alive/)
  })

  it('process.exit(): 502 naming the function, then a fresh instance serves', async () => {
    const pidBefore = (await dev.call('crash')).text
    const res = await dev.call('crash', '/exit')
    expect(res.status).toBe(502)
    const { error } = res.json()
    expect(error.code).toBe('FUNCTION_CRASHED')
    expect(error.message).toContain('"crash"')
    expect(error.message).toContain('code 3')
    const after = await dev.call('crash')
    expect(after.status).toBe(200)
    expect(after.text).not.toBe(pidBefore)
    await dev.process.waitFor(new RegExp(`\\[crash\\] ${(res.headers['x-request-id'] as string).slice(0, 8)} GET /exit 502`), 5000)
    // the error says where the request's output is, and answers with the id
    expect(error.hint).toContain(`in the lambda dev terminal, on the lines marked ${(res.headers['x-request-id'] as string).slice(0, 8)}`)
  })

  it('an endless loop: 504 after the timeout, the process is replaced', async () => {
    const pidBefore = (await dev.call('spin')).text
    const started = Date.now()
    const res = await dev.call('spin', '/spin')
    expect(res.status).toBe(504)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(res.json().error).toMatchObject({ code: 'FUNCTION_TIMEOUT' })
    expect(res.json().error.message).toContain('"spin"')
    const after = await dev.call('spin')
    expect(after.status).toBe(200)
    expect(after.text).not.toBe(pidBefore)
  })

  it('a promise that never settles also times out', async () => {
    expect((await dev.call('spin', '/hang')).status).toBe(504)
    expect((await dev.call('spin')).status).toBe(200)
  })

  it('a function that throws at import answers 502 with its own error', async () => {
    const res = await dev.call('broken-import')
    expect(res.status).toBe(502)
    expect(res.json().error.code).toBe('FUNCTION_START_FAILED')
    expect(res.json().error.message).toContain('broken at import time')
  })

  it('logs each invocation with request id, method, path, status and duration, and prefixes function output', async () => {
    const res = await dev.call('hello', '/logged?x=1')
    await dev.process.waitFor(new RegExp(`\\[hello\\] ${(res.headers['x-request-id'] as string).slice(0, 8)} GET /logged\\?x=1 200 \\d+(\\.\\d)?ms`), 5000)
    // console.error inside the function, prefixed with its name
    await dev.process.waitFor(/\[lambda-inspect\] .*lambda handler failed/, 5000)
  })

  it('marks each line a function prints with the request that printed it, as the agent\'s logs do', async () => {
    const from = dev.process.output().length
    const res = await dev.call('crash', '/uncaught')
    expect(res.status).toBe(200)
    const id = (res.headers['x-request-id'] as string).slice(0, 8)
    // thrown in a timer after the answer: still that request's, with its stack
    await dev.process.waitFor(new RegExp(`\\[crash\\] ${id} Uncaught exception: Error: uncaught later`), 5000, from)
    await dev.process.waitFor(new RegExp(`\\[crash\\] ${id}     at `), 5000, from)
    // the runtime's own mark never reaches the terminal
    expect(dev.process.output().slice(from)).not.toMatch(/[\x1E\x1F]/)
  })
})

describe('hot reload', () => {
  const waitForCode = async (fn: string, expected: unknown, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs
    let last
    while (Date.now() < deadline) {
      last = await dev.call(fn)
      try {
        if (JSON.stringify(last.json()) === JSON.stringify(expected)) return last
      }
      catch {}
      await new Promise(r => setTimeout(r, 25))
    }
    throw new Error(`${fn} never answered ${JSON.stringify(expected)}; last: ${last?.status} ${last?.text}`)
  }

  it('saving an imported file rebuilds only the functions that import it', async () => {
    expect((await dev.call('shared-user')).json()).toEqual({ message: 'version one' })
    const mark = dev.process.output().length
    writeFileSync(join(project.dir, 'lib/message.ts'), 'export const message = \'version two\'\n')
    await waitForCode('shared-user', { message: 'version two' })
    const log = dev.process.output().slice(mark)
    expect(log).toContain('[shared-user] built')
    expect(log).not.toContain('[hello] built')
  })

  it('a build error answers 500 with esbuild\'s message until it is fixed', async () => {
    const file = join(project.dir, 'functions/hello/index.ts')
    const original = readFileSync(file, 'utf8')
    writeFileSync(file, 'export default () => ({ message: \'oops\' \n')
    const deadline = Date.now() + 10_000
    let res = await dev.call('hello')
    while (res.status !== 500 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 25))
      res = await dev.call('hello')
    }
    expect(res.status).toBe(500)
    expect(res.json().error.code).toBe('BUILD_FAILED')
    expect(res.json().error.message).toMatch(/Expected "\)" but found end of file|Expected/)
    expect(res.json().error.message).toContain('functions/hello/index.ts')
    // the server stays up for everyone else
    expect((await dev.call('echo', '/', { body: 'x' })).text).toBe('x')
    writeFileSync(file, original.replace('Hello, World!', 'Hello again!'))
    await waitForCode('hello', { message: 'Hello again!' })
    writeFileSync(file, original)
    await waitForCode('hello', { message: 'Hello, World!' })
  })

  it('a new function folder is picked up without a restart', async () => {
    project.write('functions/added/index.ts', 'export default () => ({ added: true })\n')
    await waitForCode('added', { added: true })
  })

  it('editing lambda.config.ts reloads the function set', async () => {
    project.write('functions/renamed-src/index.ts', 'export default () => ({ env: process.env.FROM_CONFIG ?? null })\n')
    const config = readFileSync(join(project.dir, 'lambda.config.ts'), 'utf8')
    writeFileSync(join(project.dir, 'lambda.config.ts'), config.replace('functions: {', 'functions: {\n    configured: { entry: \'functions/renamed-src/index.ts\', env: { FROM_CONFIG: \'yes\' } },'))
    await waitForCode('configured', { env: 'yes' })
  })

  it('an invalid config edit is reported and the running functions keep serving', async () => {
    const configFile = join(project.dir, 'lambda.config.ts')
    const config = readFileSync(configFile, 'utf8')
    const mark = dev.process.output().length
    writeFileSync(configFile, config.replace('spin: { timeout: 1 }', 'spin: { timeout: -1 }'))
    await dev.process.waitFor(/functions\.spin\.timeout = -1/, 10_000, mark)
    expect((await dev.call('hello')).status).toBe(200)
    writeFileSync(configFile, config)
  })
})

it('keeps serving plain requests to the bare host', async () => {
  const res = await request(dev.port, '/', { host: `localhost:${dev.port}` })
  expect(res.json().functions.map((f: { name: string }) => f.name)).toContain('hello')
})
