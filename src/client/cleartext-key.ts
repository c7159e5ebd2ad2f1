import type { Connection } from './connection'
import { isIP } from 'node:net'
import { consola } from 'consola'

/** Names and addresses that never leave this machine. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) {
    if (host === '::1') return true
    // ::ffff:127.0.0.1 as URL writes it (::ffff:7f00:1).
    const mapped = host.match(/^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([\da-f]{1,4}):[\da-f]{1,4})$/)
    return mapped !== null && (mapped[1] ? mapped[1].startsWith('127.') : Number.parseInt(mapped[2]!, 16) >> 8 === 127)
  }
  return false
}

/**
 * Would a request to `host` with this key carry the key readable by anyone on the way? Decided from
 * the URL alone, before any connection: plain http to anything but this machine's loopback.
 */
export function sendsKeyInClear(host: string, apiKey: string | undefined): boolean {
  if (!apiKey) return false
  let url: URL
  try {
    url = new URL(host)
  }
  catch {
    return false
  }
  return url.protocol === 'http:' && !isLoopback(url.hostname)
}

let warned = false

/** Warns once per command (on stderr) before a key goes out over plain http to another machine. */
export function warnIfKeyInClear(conn: Pick<Connection, 'host' | 'apiKey'>): void {
  if (warned || !sendsKeyInClear(conn.host, conn.apiKey)) return
  warned = true
  consola.warn(`The API key goes to ${conn.host} over plain http: anyone on the way can read it and use it. Serve the agent over HTTPS (\`lambda agent --tls-cert … --tls-key …\`, or Caddy in front, see docs/tls.md) and \`lambda config set-host https://…\`.`)
}
