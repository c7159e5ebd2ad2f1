import { describe, expect, it } from 'vitest'
import { resolveRoute } from '../../src/router/route'

const agent = { domain: '203.0.113.7.nip.io', pathRouting: false, adminPrefix: '/_lambda' }
const dev = { domain: 'localhost', pathRouting: true }

describe('resolveRoute', () => {
  it('maps <fn>.<domain> to the function, keeping the whole path', () => {
    expect(resolveRoute('hello.203.0.113.7.nip.io', '/a?b=1', agent)).toEqual({ kind: 'function', name: 'hello', path: '/a?b=1' })
    expect(resolveRoute('HELLO.203.0.113.7.nip.io:8080', '/', agent)).toEqual({ kind: 'function', name: 'hello', path: '/' })
  })

  it('maps v<N>.<fn>.<domain> to a version', () => {
    expect(resolveRoute('v3.hello.203.0.113.7.nip.io', '/', agent)).toEqual({ kind: 'function', name: 'hello', version: 3, path: '/' })
  })

  it('serves the admin API only on the bare domain, an IP or localhost', () => {
    expect(resolveRoute('203.0.113.7.nip.io', '/_lambda/functions', agent)).toEqual({ kind: 'admin', path: '/functions' })
    expect(resolveRoute('127.0.0.1:7070', '/_lambda/functions', agent)).toEqual({ kind: 'admin', path: '/functions' })
    expect(resolveRoute('[::1]:7070', '/_lambda', agent)).toEqual({ kind: 'admin', path: '/' })
    // through a function's host the prefix is just a path of the function
    expect(resolveRoute('hello.203.0.113.7.nip.io', '/_lambda/functions', agent)).toEqual({ kind: 'function', name: 'hello', path: '/_lambda/functions' })
  })

  it('rejects hosts outside the domain and nested labels', () => {
    expect(resolveRoute('evil.example.com', '/', agent)).toEqual({ kind: 'unknown-host', host: 'evil.example.com' })
    expect(resolveRoute('a.b.203.0.113.7.nip.io', '/', agent).kind).toBe('unknown-host')
  })

  it('routes /<fn>/… by path in lambda dev', () => {
    expect(resolveRoute('localhost:3000', '/hello/x/y?z=1', dev)).toEqual({ kind: 'function', name: 'hello', path: '/x/y?z=1' })
    expect(resolveRoute('localhost:3000', '/hello?z=1', dev)).toEqual({ kind: 'function', name: 'hello', path: '/?z=1' })
    expect(resolveRoute('localhost:3000', '/', dev)).toEqual({ kind: 'root', path: '/' })
    expect(resolveRoute('hello.localhost:3000', '/hello/x', dev)).toEqual({ kind: 'function', name: 'hello', path: '/hello/x' })
  })
})
