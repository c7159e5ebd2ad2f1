import { isIP } from 'node:net'

/** Where `lambda dev` listens: the interface (`--host`, dev.host) and the port it got. */
export interface DevAddress {
  hostname: string
  port: number
}

/**
 * Interfaces that the name localhost reaches (curl and browsers send `localhost` and `*.localhost` to the
 * loopback address, and every interface includes it): their URLs say localhost, and `<fn>.localhost` works.
 */
const REACHED_AS_LOCALHOST = new Set(['', 'localhost', '127.0.0.1', '::1', '0.0.0.0', '::'])

const bare = (hostname: string) => hostname.trim().toLowerCase().replace(/^\[|\]$/g, '')

export const reachedAsLocalhost = (address: DevAddress) => REACHED_AS_LOCALHOST.has(bare(address.hostname))

/** `http://localhost:3000/`, or the interface itself when localhost does not reach it (`http://127.0.0.2:3921/`). */
export function devBaseURL(address: DevAddress): string {
  if (reachedAsLocalhost(address)) return `http://localhost:${address.port}/`
  const host = bare(address.hostname)
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${address.port}/`
}

/**
 * The URLs that reach a function: by path on the base URL always, by host (`<fn>.localhost`) only where the
 * name localhost reaches the interface (elsewhere no resolver knows `<fn>.<interface>`).
 */
export function functionURLs(name: string, address: DevAddress): { host?: string, path: string } {
  const base = devBaseURL(address)
  return {
    ...(reachedAsLocalhost(address) ? { host: `http://${name}.localhost:${address.port}/` } : {}),
    path: `${base}${name}/`,
  }
}

/**
 * The Host header a request is routed by. Listening on a name of its own (`--host devbox.lan`), the dev server
 * is reached by that name: it is the bare host there, as localhost is (path routing and the listing).
 */
export function routingHost(host: string | undefined, address: DevAddress): string | undefined {
  if (!host || reachedAsLocalhost(address)) return host
  const name = bare(address.hostname)
  const hostname = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '')
  return hostname === name ? 'localhost' : host
}
