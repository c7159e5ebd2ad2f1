import { DEADLINE_HEADER, REQUEST_ID_HEADER } from './context.mjs'

const INTERNAL = new Set([REQUEST_ID_HEADER, DEADLINE_HEADER])

/**
 * Request headers as the caller sent them, minus the runtime's own.
 * @param {import('node:http').IncomingMessage} req
 * @returns {Generator<[string, string]>}
 */
export function* requestHeaderPairs(req) {
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = /** @type {string} */ (raw[i])
    if (!INTERNAL.has(name.toLowerCase())) yield [name, /** @type {string} */ (raw[i + 1])]
  }
}

/** @param {import('node:http').IncomingMessage} req */
export function requestURL(req) {
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'
  return `${proto}://${req.headers.host || 'localhost'}${req.url}`
}
