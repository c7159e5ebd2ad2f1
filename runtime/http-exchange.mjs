import { once } from 'node:events'
import { Readable } from 'node:stream'
import { DEADLINE_HEADER, REQUEST_ID_HEADER } from './context.mjs'

const INTERNAL = new Set([REQUEST_ID_HEADER, DEADLINE_HEADER])

/**
 * An Exchange over node:http, for the runtime serving HTTP on LAMBDA_SOCKET (run by hand, or behind
 * a proxy such as nginx). The agent's link uses frames instead (frame-exchange.mjs).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @returns {import('./types').Exchange}
 */
export function httpExchange(req, res) {
  /** @type {string[]} */
  const rawHeaders = []
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = /** @type {string} */ (raw[i])
    if (!INTERNAL.has(name.toLowerCase())) rawHeaders.push(name, /** @type {string} */ (raw[i + 1]))
  }
  const method = req.method ?? 'GET'
  return {
    method,
    url: req.url ?? '/',
    rawHeaders,
    header: (name) => {
      const value = req.headers[name.toLowerCase()]
      return Array.isArray(value) ? value[0] : value
    },
    httpVersion: req.httpVersion,
    remoteAddress: req.socket.remoteAddress,
    hasBody: method !== 'GET' && method !== 'HEAD',
    // `Readable.toWeb` keeps the request's backpressure: the socket is read as the function reads.
    bodyStream: () => /** @type {ReadableStream<Uint8Array>} */ (Readable.toWeb(req)),
    async readBody() {
      /** @type {Buffer[]} */
      const chunks = []
      for await (const chunk of req) chunks.push(chunk)
      return Buffer.concat(chunks)
    },
    get headersSent() {
      return res.headersSent
    },
    writeHead: (status, statusText, headers) => void res.writeHead(status, statusText, headers),
    write: chunk => res.write(chunk),
    drained: () => once(res, 'drain').then(() => {}),
    end: chunk => void res.end(chunk),
    onAbort(listener) {
      const onClose = () => {
        if (!res.writableFinished) listener()
      }
      res.once('close', onClose)
      return () => res.off('close', onClose)
    },
    destroy: error => void res.destroy(error),
  }
}
