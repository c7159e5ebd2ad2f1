import type { HttpResult } from '../../helpers/http'
import { request as httpRequest } from 'node:http'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

const project = () => createProject({ 'functions/hello/index.ts': 'export default () => ({ message: \'v1\' })\n' })

function expectBadRequest(res: HttpResult, words: string | RegExp) {
  expect(res.status, res.text).toBe(400)
  const { error } = res.json()
  expect(error.code).toBe('BAD_REQUEST')
  expect(error.message).toMatch(words)
  expect(error.hint).toBeTruthy()
}

/** A request with a body sent chunked (no Content-Length), as a streaming client would. */
function postChunked(port: number, path: string, key: string, chunks: Buffer[]): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'host': `127.0.0.1:${port}`, 'authorization': `Bearer ${key}`, 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

describe('the admin API validates every body before acting', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    project.write('functions/hello/index.ts', 'export default () => ({ message: \'v2\' })\n')
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })
  const rollback = (body?: string, headers: Record<string, string> = {}) => suite.agent.admin('/functions/hello/rollback', { method: 'POST', body, headers })
  const current = async () => (await suite.agent.admin('/functions/hello')).json().version as number
  const releaseCount = async () => (await suite.agent.admin('/releases')).json().releases.length as number

  it('refuses a rollback whose body is not JSON, and does not roll back', async () => {
    expectBadRequest(await rollback('garbage', { 'content-type': 'application/json' }), /not JSON/)
    expect(await current()).toBe(2)
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'v2' })
  })

  it.each([
    ['an array', '[1]', /must be a JSON object, not an array/],
    ['null', 'null', /not null/],
    ['a number', '3', /not a number/],
    ['a string', '"v1"', /not a string/],
  ])('refuses a body that is %s', async (_, body, words) => {
    expectBadRequest(await rollback(body, { 'content-type': 'application/json' }), words)
    expect(await current()).toBe(2)
  })

  it.each([
    ['text', '{"version":"abc"}'],
    ['zero', '{"version":0}'],
    ['negative', '{"version":-1}'],
    ['a fraction', '{"version":1.5}'],
    ['infinite', '{"version":1e400}'],
    ['beyond safe integers', '{"version":99999999999999999999}'],
    ['an object', '{"version":{}}'],
    ['a boolean', '{"version":true}'],
    ['blank text', '{"version":"  "}'],
  ])('refuses a version that is %s, naming the field', async (_, body) => {
    const res = await rollback(body)
    expectBadRequest(res, /Field "version" must be a positive whole number/)
    expect(res.json().error.field).toBe('version')
    expect(await current()).toBe(2)
  })

  it('refuses an unknown field, naming it and the known ones (a typo must not mean "roll back to the previous")', async () => {
    const res = await rollback('{"versoin":1}')
    expectBadRequest(res, /unknown field "versoin"; this route takes "version"/)
    expect(await current()).toBe(2)
    expectBadRequest(await rollback('{"__proto__":{"version":1}}'), /unknown field "__proto__"/)
    expect(await current()).toBe(2)
  })

  it('reads JSON whatever the content-type, as `curl -d` sends it', async () => {
    const res = await rollback('{"version":1}', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.status, res.text).toBe(200)
    expect(await current()).toBe(1)
    expect((await rollback('{"version":"v2"}')).status).toBe(200)
    expect(await current()).toBe(2)
  })

  it('takes an empty body as no fields: roll back to the previous version', async () => {
    expect((await rollback()).status).toBe(200)
    expect(await current()).toBe(1)
    // Whitespace is no fields too: the previous of v1 is none.
    const again = await rollback('  \n', { 'content-type': 'application/json' })
    expect(again.status).toBe(409)
    expect(again.json().error.code).toBe('NO_PREVIOUS_VERSION')
    expect((await rollback('{"version":2}')).status).toBe(200)
    expect(await current()).toBe(2)
  })

  it('answers 413 for a body over the limit, announced or streamed', async () => {
    const announced = await rollback(JSON.stringify({ version: 1, pad: 'x'.repeat(300 * 1024) }))
    expect(announced.status).toBe(413)
    expect(announced.json().error).toMatchObject({ code: 'BODY_TOO_LARGE', maxBytes: 256 * 1024 })
    const streamed = await postChunked(suite.agent.port, '/_lambda/functions/hello/rollback', suite.agent.key, Array.from({ length: 40 }, () => Buffer.alloc(16 * 1024, 0x20)))
    expect(streamed.status).toBe(413)
    expect(JSON.parse(streamed.body).error.code).toBe('BODY_TOO_LARGE')
    expect(await current()).toBe(2)
  })

  it('checks a release: names must be function names, versions must exist, partial must be a boolean, and the list is bounded', async () => {
    const before = await releaseCount()
    const post = (body: unknown) => suite.agent.admin('/releases', { method: 'POST', body: JSON.stringify(body) })
    expectBadRequest(await post({ functions: ['../../x'] }), /Field "functions\[0\]" is not a valid function name/)
    expectBadRequest(await post({ functions: { '../../x': 1 } }), /Field "functions key" is not a valid function name/)
    expectBadRequest(await post({ functions: { hello: 'two' } }), /Field "functions.hello" must be a positive whole number/)
    const unknown = await post({ functions: { hello: 99 } })
    expect(unknown.status).toBe(400)
    expect(unknown.json().error).toMatchObject({ code: 'RELEASE_VERSION_UNKNOWN', function: 'hello', version: 99 })
    expectBadRequest(await post({ functions: 'hello' }), /Field "functions" must be an object of function names to version numbers/)
    expectBadRequest(await post({ functions: [{ name: 'hello' }] }), /Field "functions\[0\]" must be a string/)
    expectBadRequest(await post({ functions: ['hello'], partial: 'yes' }), /Field "partial" must be true or false/)
    expectBadRequest(await post({ functions: Array.from({ length: 1001 }, (_, i) => `fn-${i}`) }), /1001 items; the limit is 1000/)
    expectBadRequest(await post({}), /Field "functions" must be an object of function names to version numbers, not undefined/)
    expectBadRequest(await post({ functions: ['hello'], keepVersions: 0 }), /Field "keepVersions" must be a positive whole number/)
    expectBadRequest(await post({ functions: ['hello'], keepVersions: 1001 }), /Field "keepVersions" must be at most 1000/)
    expect(await releaseCount()).toBe(before)
    // What a deploy made current, from its own outcomes; a list of names (older CLIs) records what is current now.
    const made = await post({ functions: { hello: 1 }, partial: false })
    expect(made.status, made.text).toBe(200)
    expect(made.json().functions).toEqual({ hello: 1 })
    expect((await post({ functions: ['hello'], partial: false })).status).toBe(200)
    expect(await releaseCount()).toBe(before + 2)
  })

  it('checks a release rollback: a malformed id rolls nothing back', async () => {
    const before = await releaseCount()
    for (const body of ['{"id":"#abc"}', '{"id":1e400}', '{"id":[1]}', '{"release":1}', '{"force":"yes"}', 'garbage']) {
      const res = await suite.agent.admin('/releases/rollback', { method: 'POST', body })
      expect(res.status, body).toBe(400)
    }
    expect(await releaseCount()).toBe(before)
    expect(await current()).toBe(2)
  })
})

describe('client mistakes in paths, methods and headers are 4xx, never 500', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it.each([
    ['malformed percent-encoding', '%ZZ'],
    ['a truncated UTF-8 escape', '%E0%A4%A'],
    ['an encoded path', '..%2F..%2Fkeys'],
    ['capital letters', 'HELLO'],
    ['a name too long for a host name', 'a'.repeat(64)],
    ['a reserved name', 'v2'],
  ])('refuses a function name with %s in every /functions/:name route', async (_, name) => {
    for (const [method, path] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['GET', '/versions'], ['POST', '/rollback'], ['GET', '/invoke'], ['POST', '/invoke/x']]) {
      const res = await suite.agent.admin(`/functions/${name}${path}`, { method, body: method === 'PUT' ? 'x' : undefined })
      expect(res.status, `${method} ${path}`).toBe(400)
      expect(res.json().error.code).toBe('INVALID_NAME')
      expect(res.json().error.message).toMatch(/not a valid function name|is reserved/)
    }
    expect((await suite.agent.call('hello')).status).toBe(200)
  })

  it('answers a wrong method on an admin path with 404 naming the route, not the gateway\'s text', async () => {
    for (const [method, path] of [['PATCH', '/functions/hello'], ['POST', '/functions'], ['PUT', '/keys'], ['GET', '/functions/hello/rollback']] as const) {
      const res = await suite.agent.admin(path, { method })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.json().error.message).toBe(`The admin API has no route ${method} /_lambda${path}.`)
    }
  })

  it('answers oversized headers with 431, and a malformed path to a function still reaches the function', async () => {
    const big = await suite.agent.admin('/functions', { headers: { 'x-big': 'a'.repeat(20_000) } })
    expect(big.status).toBe(431)
    const odd = await suite.agent.call('hello', '/%ZZ/%E0%A4%A?q=%ZZ')
    expect(odd.status).toBe(200)
    expect(odd.json()).toEqual({ message: 'v1' })
  })

  it('answers a version host that does not exist with 404, however large the number', async () => {
    for (const label of ['v0', 'v99999999999999999999999']) {
      const res = await suite.agent.call(`${label}.hello`)
      expect(res.status, label).toBe(404)
      expect(res.json().error.code).toBe('VERSION_NOT_FOUND')
    }
  })
})
