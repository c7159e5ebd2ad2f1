import { once } from 'node:events'
import { Readable } from 'node:stream'
import { requestHeaderPairs, requestURL } from './headers.mjs'

// No per-request AbortSignal: creating one costs more than the rest of the Request
// (about 10 µs); a disconnect still ends the function's response stream.
/** @param {import('node:http').IncomingMessage} req */
function toWebRequest(req) {
  const headers = new Headers()
  for (const [name, value] of requestHeaderPairs(req)) headers.append(name, value)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  // `duplex` is required by Node to stream a request body, and not yet in TypeScript's RequestInit.
  return new Request(requestURL(req), /** @type {RequestInit} */ ({
    method: req.method,
    headers,
    body: hasBody ? /** @type {ReadableStream<Uint8Array>} */ (Readable.toWeb(req)) : undefined,
    duplex: 'half',
  }))
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} contentType
 * @param {string | Uint8Array} body
 */
function send(req, res, status, contentType, body) {
  res.writeHead(status, { 'content-type': contentType, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength })
  res.end(req.method === 'HEAD' ? undefined : body)
}

/**
 * @param {ReadableStream<Uint8Array>} stream
 * @param {import('node:http').ServerResponse} res
 */
async function pipeWebStream(stream, res) {
  const reader = stream.getReader()
  const cancel = () => reader.cancel().catch(() => {})
  res.once('close', cancel)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!res.write(value)) await once(res, 'drain')
    }
    res.end()
  }
  finally {
    res.off('close', cancel)
  }
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {Response} response
 */
async function sendResponse(req, res, response) {
  /** @type {string[]} */
  const headers = []
  for (const [name, value] of response.headers) headers.push(name, value)
  res.writeHead(response.status, response.statusText || undefined, headers)
  if (!response.body || req.method === 'HEAD') {
    res.end()
    if (response.body) response.body.cancel().catch(() => {})
    return
  }
  await pipeWebStream(response.body, res)
}

/**
 * Maps what a web-standard function returned to the HTTP response.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {unknown} result
 */
export async function writeWebResult(req, res, result) {
  if (result instanceof Response) return sendResponse(req, res, result)
  if (result === undefined || result === null) {
    res.writeHead(204)
    return res.end()
  }
  if (typeof result === 'string') return send(req, res, 200, 'text/plain; charset=utf-8', result)
  if (result instanceof Uint8Array) return send(req, res, 200, 'application/octet-stream', result)
  if (result instanceof ArrayBuffer) return send(req, res, 200, 'application/octet-stream', new Uint8Array(result))
  if (result instanceof ReadableStream) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    return pipeWebStream(result, res)
  }
  return send(req, res, 200, 'application/json; charset=utf-8', JSON.stringify(result))
}

/**
 * @param {import('./types').WebFunction} fn
 * @returns {import('./types').Invoker}
 */
export function createWebInvoker(fn) {
  return async function invokeWeb(req, res, context) {
    const result = await fn(toWebRequest(req), context)
    await writeWebResult(req, res, result)
  }
}
