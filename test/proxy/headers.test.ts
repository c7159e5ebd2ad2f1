import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { downstreamResponseHeaders, upstreamRequestHeaders } from '../../src/proxy/headers'

const message = (rawHeaders: string[]) => ({ rawHeaders }) as unknown as IncomingMessage
const pairs = (flat: string[]) => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!.toLowerCase(), flat[2 * i + 1]])
const forwarded = { requestId: 'rid-1', deadline: 1234, clientIp: '203.0.113.9', host: 'hello.example.com', proto: 'https' as const }

describe('headers between the client, the gateway and an instance', () => {
  it('the instance sees the client\'s headers minus hop-by-hop ones, plus the gateway\'s own', () => {
    const out = pairs(upstreamRequestHeaders(message(['Host', 'hello.example.com', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'X-Custom', 'c', 'Cookie', 'a=1']), forwarded))
    expect(out).toEqual([
      ['host', 'hello.example.com'],
      ['x-custom', 'c'],
      ['cookie', 'a=1'],
      ['x-request-id', 'rid-1'],
      ['x-lambda-request-id', 'rid-1'],
      ['x-lambda-deadline', '1234'],
      ['x-forwarded-for', '203.0.113.9'],
      ['x-forwarded-host', 'hello.example.com'],
      ['x-forwarded-proto', 'https'],
    ])
  })

  it('a client cannot forge the gateway\'s headers (request id, deadline, forwarded-*)', () => {
    const out = pairs(upstreamRequestHeaders(message(['X-Lambda-Deadline', '99999999999999', 'X-Lambda-Request-Id', 'forged', 'X-Request-Id', 'forged', 'X-Forwarded-Host', 'evil', 'X-Forwarded-Proto', 'http', 'X-Real-IP', '1.2.3.4', 'Forwarded', 'for=1.2.3.4']), forwarded))
    expect(out.filter(([name]) => name === 'x-lambda-deadline')).toEqual([['x-lambda-deadline', '1234']])
    expect(out.map(([, value]) => value)).not.toContain('forged')
    expect(out.map(([, value]) => value)).not.toContain('evil')
    expect(out.find(([name]) => name === 'x-real-ip' || name === 'forwarded')).toBeUndefined()
  })

  it('a client cannot pass for a schedule: its trigger headers are dropped', () => {
    const out = pairs(upstreamRequestHeaders(message(['X-Lambda-Trigger', 'schedule', 'x-lambda-schedule-id', 'cfg-3fa9c2d1e0b4', 'X-Lambda-Scheduled-Time', '2030-01-01T00:00:00Z', 'Accept', '*/*']), forwarded))
    expect(out.map(([name]) => name!).filter(name => name.startsWith('x-lambda-') && name !== 'x-lambda-request-id' && name !== 'x-lambda-deadline')).toEqual([])
    expect(out).toContainEqual(['accept', '*/*'])
  })

  it('x-forwarded-for keeps the client\'s claimed hops and appends the address that really connected', () => {
    const out = pairs(upstreamRequestHeaders(message(['X-Forwarded-For', '10.0.0.1', 'x-forwarded-for', '10.0.0.2']), forwarded))
    expect(out.find(([name]) => name === 'x-forwarded-for')).toEqual(['x-forwarded-for', '10.0.0.1, 10.0.0.2, 203.0.113.9'])
  })

  it('drops headers the caller asks it to (the API key that let a call in)', () => {
    const out = pairs(upstreamRequestHeaders(message(['Authorization', 'Bearer mlk_x', 'Accept', '*/*']), forwarded, new Set(['authorization'])))
    expect(out.find(([name]) => name === 'authorization')).toBeUndefined()
    expect(out.find(([name]) => name === 'accept')).toEqual(['accept', '*/*'])
  })

  it('the client gets the instance\'s headers minus hop-by-hop ones, with the agent\'s request id: one the function set is remapped, as API Gateway does', () => {
    expect(pairs(downstreamResponseHeaders(['Content-Type', 'text/plain', 'Connection', 'close', 'Transfer-Encoding', 'chunked'], 'rid-1'))).toEqual([['content-type', 'text/plain'], ['x-request-id', 'rid-1']])
    expect(pairs(downstreamResponseHeaders(['X-Request-Id', 'mine'], 'rid-1'))).toEqual([['x-lambda-remapped-x-request-id', 'mine'], ['x-request-id', 'rid-1']])
    expect(pairs(downstreamResponseHeaders(['RateLimit', 'fake'], 'rid-1', true))).toEqual([['x-lambda-remapped-ratelimit', 'fake'], ['x-request-id', 'rid-1']])
    expect(pairs(downstreamResponseHeaders(['RateLimit', 'its-own'], 'rid-1', false))).toEqual([['ratelimit', 'its-own'], ['x-request-id', 'rid-1']])
  })
})
