import { isIP } from 'node:net'
import { VERSION_LABEL_RE } from '../config/function-name'

/** Where a request goes, decided from its Host header and path alone. */
export type Route
  = | { kind: 'function', name: string, version?: number, path: string }
    | { kind: 'admin', path: string }
    | { kind: 'root', path: string }
    | { kind: 'unknown-host', host: string }

export interface RouterOptions {
  /** `<fn>.<domain>` reaches function `fn`. */
  domain: string
  /** Also route `/<fn>/…` on the bare domain (lambda dev). */
  pathRouting: boolean
  /** Path prefix of the admin API on the bare domain, e.g. `/_lambda`. */
  adminPrefix?: string
}

export function hostnameOf(host: string | undefined): string {
  if (!host) return ''
  const h = host.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  const colon = h.lastIndexOf(':')
  return (colon === -1 ? h : h.slice(0, colon)).replace(/\.$/, '')
}

/** The bare domain, an IP address or localhost: where the admin API and path routing live. */
function isBareHost(hostname: string, domain: string): boolean {
  return hostname === domain || hostname === '' || hostname === 'localhost' || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0
}

export function resolveRoute(host: string | undefined, url: string, opts: RouterOptions): Route {
  const hostname = hostnameOf(host)
  const path = url || '/'
  if (isBareHost(hostname, opts.domain)) {
    if (opts.adminPrefix && (path === opts.adminPrefix || path.startsWith(`${opts.adminPrefix}/`))) return { kind: 'admin', path: path.slice(opts.adminPrefix.length) || '/' }
    if (opts.pathRouting) {
      const match = /^\/([^/?#]+)([/?#].*)?$/.exec(path)
      if (match && match[1] !== 'favicon.ico') {
        const rest = match[2] || ''
        return { kind: 'function', name: decodeURIComponent(match[1]!), path: rest.startsWith('/') ? rest : `/${rest}` }
      }
    }
    return { kind: 'root', path }
  }
  const suffix = `.${opts.domain}`
  if (!hostname.endsWith(suffix)) return { kind: 'unknown-host', host: hostname }
  const labels = hostname.slice(0, -suffix.length).split('.')
  if (labels.length === 1) return { kind: 'function', name: labels[0]!, path }
  const version = VERSION_LABEL_RE.exec(labels[0]!)
  if (labels.length === 2 && version) return { kind: 'function', name: labels[1]!, version: Number(version[1]), path }
  return { kind: 'unknown-host', host: hostname }
}
