import type { AddressInfo } from 'node:net'
import type { Lookup } from '../../../src/agent/async/callback-policy'
import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { addressProblem, checkCallbackUrl, createCallbackPolicy, parseCallbackAllow } from '../../../src/agent/async/callback-policy'
import { deliverCallback } from '../../../src/agent/async/deliver-callback'

// An attacker picks the callback URL; these tests are the attacker. DNS cannot be used here (no
// network), so names go through a stand-in resolver that answers what a hostile DNS server would.
const dns = (answers: Record<string, string[] | (() => string[])>): Lookup & { asked: string[] } => {
  const asked: string[] = []
  const lookup = async (host: string) => {
    asked.push(host)
    const answer = answers[host]
    const addresses = typeof answer === 'function' ? answer() : answer
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return addresses.map(address => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }))
  }
  return Object.assign(lookup, { asked })
}

const strict = createCallbackPolicy({ allow: [], domain: 'fn.example.net' })

async function refusal(url: string, lookup: Lookup = dns({}), policy = strict) {
  const error = await checkCallbackUrl(url, policy, lookup).then(() => undefined, (e: { code: string, status: number, message: string, data: { reason: string } }) => e)
  expect(error, `${url} was accepted`).toBeDefined()
  expect(error!.code).toBe('CALLBACK_URL_REFUSED')
  expect(error!.status).toBe(400)
  return error!
}

/** A callback server on 127.0.0.1 that counts every connection made to it. */
async function callbackServer(handler: Parameters<typeof createServer>[1] = (_req, res) => res.end('ok')) {
  const server = createServer(handler)
  let connections = 0
  server.on('connection', () => connections++)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { port, connections: () => connections, close: () => new Promise<void>(resolve => server.close(() => resolve())) }
}

describe('callback URLs: what a caller may make the agent call', () => {
  it.each([
    ['http://127.0.0.1/x', 'loopback'],
    ['http://127.1.2.3:8080/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://100.64.0.1/', 'private'],
    ['http://[fd00::1]/', 'private'],
    ['http://0.0.0.0/', 'reserved'],
    ['http://224.0.0.1/', 'reserved'],
    ['http://[::]/', 'reserved'],
  ])('%s is refused as %s, without a lookup or a connection', async (url, kind) => {
    const lookup = dns({})
    const error = await refusal(url, lookup)
    expect(error.message).toContain(kind)
    expect(error.data.reason).toBe('forbidden')
    expect(error.message).toContain('is refused')
    expect(lookup.asked).toEqual([])
  })

  it('other spellings of a forbidden address are the same address', async () => {
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://017700000001/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/', 'HTTP://LOCALHOST:80/', 'http://localhost./', 'http://api.localhost/']) {
      const error = await refusal(url)
      expect(error.message, url).toMatch(/loopback|link-local/)
    }
  })

  it('a name is resolved and every one of its addresses must be public', async () => {
    const lookup = dns({ 'evil.example': ['127.0.0.1'], 'meta.example': ['169.254.169.254'], 'mixed.example': ['93.184.216.34', '10.1.2.3'], 'ok.example': ['93.184.216.34', '2606:2800:220:1::1'] })
    expect((await refusal('https://evil.example/cb', lookup)).message).toContain('"evil.example" resolves to 127.0.0.1, a loopback address')
    expect((await refusal('https://meta.example/cb', lookup)).message).toContain('169.254.169.254, a link-local address')
    expect((await refusal('https://mixed.example/cb', lookup)).message).toContain('10.1.2.3, a private address')
    const ok = await checkCallbackUrl('https://ok.example/cb?x=1', strict, lookup)
    expect(ok.addresses.map(a => a.address)).toEqual(['93.184.216.34', '2606:2800:220:1::1'])
  })

  it('the agent\'s own host names and a name that does not resolve are refused', async () => {
    expect((await refusal('http://fn.example.net/')).message).toContain('the agent\'s own host')
    expect((await refusal('http://hello.fn.example.net/')).message).toContain('the agent\'s own host')
    const unresolved = await refusal('http://nowhere.example/')
    expect(unresolved.data.reason).toBe('unresolvable')
  })

  it('only absolute http(s) URLs without credentials, of bounded length', async () => {
    for (const url of ['ftp://93.184.216.34/', 'file:///etc/passwd', 'gopher://93.184.216.34/', '/relative', 'not a url', `http://93.184.216.34/${'a'.repeat(3000)}`, 'http://user:pw@93.184.216.34/']) {
      expect((await refusal(url)).data.reason, url).toBe('bad-url')
    }
  })

  it('--callback-allow lets the operator open a host, an address or a range', async () => {
    const policy = createCallbackPolicy({ allow: ['127.0.0.1', '10.0.0.0/8', 'hooks.internal'], domain: 'localhost' })
    const lookup = dns({ 'hooks.internal': ['192.168.7.7'] })
    expect((await checkCallbackUrl('http://127.0.0.1:9/cb', policy, lookup)).addresses).toEqual([{ address: '127.0.0.1', family: 4 }])
    expect(await checkCallbackUrl('http://localhost:9/cb', policy, lookup)).toBeDefined()
    expect(await checkCallbackUrl('http://10.9.8.7/cb', policy, lookup)).toBeDefined()
    expect((await checkCallbackUrl('http://hooks.internal/cb', policy, lookup)).addresses[0]!.address).toBe('192.168.7.7')
    // Only what was allowed.
    await refusal('http://127.0.0.2/', lookup, policy)
    await refusal('http://169.254.169.254/', lookup, policy)
    expect(addressProblem('10.0.0.1', policy)).toBeUndefined()
    expect(addressProblem('172.16.0.1', policy)).toContain('private')
  })

  it('--callback-allow values are checked', () => {
    expect(parseCallbackAllow('10.0.0.0/8')).toEqual({ kind: 'range', address: '10.0.0.0', prefix: 8 })
    expect(parseCallbackAllow('::1')).toEqual({ kind: 'address', address: '::1' })
    expect(parseCallbackAllow('Hooks.Internal.')).toEqual({ kind: 'name', name: 'hooks.internal' })
    for (const bad of ['10.0.0.0/33', 'http://x', 'a b', '', '1.2.3.4/x']) expect(parseCallbackAllow(bad), bad).toBeUndefined()
    expect(() => createCallbackPolicy({ allow: ['a b'], domain: 'localhost' })).toThrow(/not a host name/)
  })
})

describe('delivering a callback', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of closers.splice(0)) await close()
  })

  it('dNS rebinding: a name that was public when the call was accepted and is loopback at delivery gets no connection', async () => {
    const server = await callbackServer()
    closers.push(server.close)
    let answers = 0
    // The first answer (accept time) is public; the attacker's DNS then points the name at the agent's host.
    const lookup = dns({ 'rebind.example': () => answers++ === 0 ? ['93.184.216.34'] : ['127.0.0.1'] })
    const url = `http://rebind.example:${server.port}/cb`
    await checkCallbackUrl(url, strict, lookup)
    const outcome = await deliverCallback(url, { hello: 1 }, strict, { lookup })
    expect(outcome).toMatchObject({ delivered: false, retry: false })
    expect(outcome.error).toContain('127.0.0.1, a loopback address')
    expect(server.connections()).toBe(0)
  })

  it('connects only to the checked address: the request goes to it with the name as Host, once', async () => {
    const seen: Array<{ host?: string, body: string, type?: string }> = []
    const server = await callbackServer((req, res) => {
      let body = ''
      req.on('data', (d) => { body += d })
      req.on('end', () => {
        seen.push({ host: req.headers.host, body, type: req.headers['content-type'] })
        res.end('thanks')
      })
    })
    closers.push(server.close)
    const policy = createCallbackPolicy({ allow: ['127.0.0.1'], domain: 'localhost' })
    const lookup = dns({ 'hooks.example': ['127.0.0.1'] })
    const outcome = await deliverCallback(`http://hooks.example:${server.port}/cb?k=1`, { done: true }, policy, { lookup })
    expect(outcome).toEqual({ delivered: true, retry: false, status: 200 })
    expect(seen).toEqual([{ host: `hooks.example:${server.port}`, body: '{"done":true}', type: 'application/json' }])
    // Resolved once, for the check; the connection used that answer.
    expect(lookup.asked).toEqual(['hooks.example'])
  })

  it('does not follow redirects, reads only the start of a large answer, and gives up at its deadline', async () => {
    const policy = createCallbackPolicy({ allow: ['127.0.0.1'], domain: 'localhost' })
    let redirectedTo = 0
    const target = await callbackServer((_req, res) => {
      redirectedTo++
      res.end()
    })
    closers.push(target.close)
    const redirect = await callbackServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end())
    closers.push(redirect.close)
    const outcome = await deliverCallback(`http://127.0.0.1:${redirect.port}/`, {}, policy)
    expect(outcome).toMatchObject({ delivered: false, retry: false, status: 302 })
    expect(outcome.error).toContain('redirects are not followed')
    expect(redirectedTo).toBe(0)

    let written = 0
    const flood = await callbackServer((_req, res) => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 'x')
      const pump = () => {
        while (!res.destroyed && written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length
        if (!res.destroyed && written < 64 * 1024 * 1024) res.once('drain', pump)
      }
      pump()
    })
    closers.push(flood.close)
    expect(await deliverCallback(`http://127.0.0.1:${flood.port}/`, {}, policy)).toMatchObject({ delivered: true, status: 200 })
    expect(written).toBeLessThan(64 * 1024 * 1024)

    const silent = await callbackServer(() => {})
    closers.push(silent.close)
    const slow = await deliverCallback(`http://127.0.0.1:${silent.port}/`, {}, policy, { timeoutMs: 300 })
    expect(slow).toMatchObject({ delivered: false, retry: true })
    expect(slow.error).toContain('did not answer within 0.3 s')
  })

  it('5xx and unreachable servers are worth another try; a 4xx is not', async () => {
    const policy = createCallbackPolicy({ allow: ['127.0.0.1'], domain: 'localhost' })
    const failing = await callbackServer((req, res) => res.writeHead(req.url === '/503' ? 503 : 404).end())
    closers.push(failing.close)
    expect(await deliverCallback(`http://127.0.0.1:${failing.port}/503`, {}, policy)).toMatchObject({ delivered: false, retry: true, status: 503 })
    expect(await deliverCallback(`http://127.0.0.1:${failing.port}/404`, {}, policy)).toMatchObject({ delivered: false, retry: false, status: 404 })
    await failing.close()
    closers.pop()
    expect(await deliverCallback(`http://127.0.0.1:${failing.port}/`, {}, policy)).toMatchObject({ delivered: false, retry: true })
  })
})
