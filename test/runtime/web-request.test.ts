import { describe, expect, it } from 'vitest'
import { lazyRequest } from '../../runtime/web-request.mjs'

const streamOf = (text: string) => () => new ReadableStream<Uint8Array>({
  start(controller) {
    controller.enqueue(new TextEncoder().encode(text))
    controller.close()
  },
})

function incoming(body?: string, rawHeaders = ['Content-Type', 'application/json', 'X-Trace', 'abc', 'X-Trace', 'def']) {
  return lazyRequest({ url: 'https://orders.example.com/items?limit=2', method: body === undefined ? 'GET' : 'POST', rawHeaders, body: body === undefined ? undefined : streamOf(body) })
}

describe('the Request a web function gets, built on first use', () => {
  it('is a Request to the function: instanceof, its tag, method, URL and headers as sent', () => {
    const request = incoming()
    expect(request).toBeInstanceOf(Request)
    expect(Object.prototype.toString.call(request)).toBe('[object Request]')
    expect(request.method).toBe('GET')
    expect(new URL(request.url).searchParams.get('limit')).toBe('2')
    expect(request.headers.get('content-type')).toBe('application/json')
    expect(request.headers.get('x-trace')).toBe('abc, def')
    expect(request.headers).toBe(request.headers)
  })

  it('reads its body once, as json, text or bytes, and says it was used', async () => {
    const request = incoming('{"sku":"A-1","qty":3}')
    expect(request.bodyUsed).toBe(false)
    expect(await request.json()).toEqual({ sku: 'A-1', qty: 3 })
    expect(request.bodyUsed).toBe(true)
    await expect(request.text()).rejects.toThrow()
    expect(await incoming('plain').text()).toBe('plain')
    expect(new TextDecoder().decode(await incoming('raw').arrayBuffer())).toBe('raw')
  })

  it('has what every Request has: a signal, clone(), the defaults of the fields nobody set', async () => {
    const request = incoming('{"a":1}')
    expect(request.signal.aborted).toBe(false)
    expect(request.redirect).toBe('follow')
    const copy = request.clone()
    expect(await copy.json()).toEqual({ a: 1 })
    expect(await request.json()).toEqual({ a: 1 })
  })

  it('can be handed on as it is: new Request(request) and fetch read it like their own', async () => {
    const forwarded = new Request(incoming('{"order":7}'))
    expect(forwarded.method).toBe('POST')
    expect(forwarded.url).toBe('https://orders.example.com/items?limit=2')
    expect(forwarded.headers.get('x-trace')).toBe('abc, def')
    expect(await forwarded.text()).toBe('{"order":7}')
    const retargeted = new Request('http://127.0.0.1:9/upstream', incoming('payload'))
    expect(await retargeted.text()).toBe('payload')
    // fetch takes it as a Request too: it fails only at connecting (nothing listens on port 9 here).
    const local = lazyRequest({ url: 'http://127.0.0.1:9/', method: 'GET', rawHeaders: [], body: undefined })
    await expect(fetch(local)).rejects.toThrow(/fetch failed/)
  })

  it('changes to its headers made before the body is read are kept when the rest is built', async () => {
    const request = incoming('{}')
    request.headers.set('x-added', 'yes')
    expect(request.headers.get('x-added')).toBe('yes')
    expect(await request.text()).toBe('{}')
    expect(request.headers.get('x-added')).toBe('yes')
  })
})
