import { requestURL } from './headers.mjs'
import { lazyRequest } from './web-request.mjs'

/** @param {import('./types').Exchange} exchange */
function toWebRequest(exchange) {
  return lazyRequest({ url: requestURL(exchange), method: exchange.method, rawHeaders: exchange.rawHeaders, body: exchange.hasBody ? () => exchange.bodyStream() : undefined })
}

/**
 * @param {import('./types').Exchange} exchange
 * @param {number} status
 * @param {string} contentType
 * @param {string | Uint8Array} body
 */
function send(exchange, status, contentType, body) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  exchange.writeHead(status, undefined, ['content-type', contentType, 'content-length', String(bytes.byteLength)], true)
  exchange.end(exchange.method === 'HEAD' ? undefined : bytes)
}

/**
 * @param {ReadableStream<Uint8Array>} stream
 * @param {import('./types').Exchange} exchange
 */
async function pipeWebStream(stream, exchange) {
  const reader = stream.getReader()
  const stopAborting = exchange.onAbort(() => reader.cancel().catch(() => {}))
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!exchange.write(value)) await exchange.drained()
    }
    exchange.end()
  }
  finally {
    stopAborting()
  }
}

/**
 * @param {import('./types').Exchange} exchange
 * @param {Response} response
 */
async function sendResponse(exchange, response) {
  /** @type {string[]} */
  const headers = []
  for (const [name, value] of response.headers) headers.push(name, value)
  exchange.writeHead(response.status, response.statusText || undefined, headers, true)
  if (!response.body || exchange.method === 'HEAD') {
    exchange.end()
    if (response.body) response.body.cancel().catch(() => {})
    return
  }
  await pipeWebStream(response.body, exchange)
}

/**
 * Maps what a web-standard function returned to the response.
 * @param {import('./types').Exchange} exchange
 * @param {unknown} result
 */
export async function writeWebResult(exchange, result) {
  if (result instanceof Response) return sendResponse(exchange, result)
  if (result === undefined || result === null) {
    exchange.writeHead(204, undefined, [])
    return exchange.end()
  }
  if (typeof result === 'string') return send(exchange, 200, 'text/plain; charset=utf-8', result)
  if (result instanceof Uint8Array) return send(exchange, 200, 'application/octet-stream', result)
  if (result instanceof ArrayBuffer) return send(exchange, 200, 'application/octet-stream', new Uint8Array(result))
  if (result instanceof ReadableStream) {
    exchange.writeHead(200, undefined, ['content-type', 'application/octet-stream'])
    return pipeWebStream(result, exchange)
  }
  return send(exchange, 200, 'application/json; charset=utf-8', JSON.stringify(result))
}

/**
 * @param {import('./types').WebFunction} fn
 * @returns {import('./types').Invoker}
 */
export function createWebInvoker(fn) {
  return async function invokeWeb(exchange, context) {
    const result = await fn(toWebRequest(exchange), context)
    await writeWebResult(exchange, result)
  }
}
