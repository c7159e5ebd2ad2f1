import type { Server } from 'node:http'
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LambdaError } from '../../src/errors'
import { createLambdaApp, jsonResponse } from '../../src/http/error-response'
import { finishFastPath, toNodeHandlerWithFastPath } from '../../src/http/node-fast-path'
import { request } from '../helpers/http'

describe('the fast path ahead of h3', () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    const app = createLambdaApp({ silent: true })
    app.all('/**', () => jsonResponse({ from: 'h3' }))
    const handler = toNodeHandlerWithFastPath(app, (req, res) => {
      if (req.headers.host !== 'fast.localhost') return false
      finishFastPath(res, (async () => {
        if (req.url === '/written') {
          res.writeHead(200, { 'content-type': 'text/plain' })
          res.write('written by the handler')
          return undefined
        }
        if (req.url === '/answer') return jsonResponse({ accepted: true }, 202, { 'x-extra': '1' })
        throw new LambdaError({ code: 'FUNCTION_UNAVAILABLE', status: 502, message: 'could not start', cause: new Error('inner') })
      })())
      return true
    })
    server = createServer(handler)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })
  afterAll(() => new Promise(resolve => server.close(resolve)))

  it('leaves what it does not take to h3', async () => {
    expect((await request(port, '/', { host: 'other.localhost' })).json()).toEqual({ from: 'h3' })
  })

  it('ends a response the handler wrote, and sends one it returned', async () => {
    expect((await request(port, '/written', { host: 'fast.localhost' })).text).toBe('written by the handler')
    const answer = await request(port, '/answer', { host: 'fast.localhost' })
    expect(answer.status).toBe(202)
    expect(answer.headers['x-extra']).toBe('1')
    expect(answer.json()).toEqual({ accepted: true })
  })

  it('answers a LambdaError in its own shape, even one with a cause', async () => {
    const res = await request(port, '/boom', { host: 'fast.localhost' })
    expect(res.status).toBe(502)
    expect(res.json().error).toMatchObject({ code: 'FUNCTION_UNAVAILABLE', message: 'could not start' })
  })
})
