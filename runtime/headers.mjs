import { DEADLINE_HEADER, REQUEST_ID_HEADER } from './context.mjs'

const INTERNAL = new Set([REQUEST_ID_HEADER, DEADLINE_HEADER])

/** Request headers as the caller sent them, minus the runtime's own. */
export function* requestHeaderPairs(req) {
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    if (!INTERNAL.has(raw[i].toLowerCase())) yield [raw[i], raw[i + 1]]
  }
}

export function requestURL(req) {
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'
  return `${proto}://${req.headers.host || 'localhost'}${req.url}`
}
