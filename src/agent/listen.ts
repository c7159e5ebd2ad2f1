import type { H3 } from 'h3'
import type { Listener } from 'listhen'
import type { PortHints } from '../http/check-port'
import type { NodeFastPath } from '../http/node-fast-path'
import type { TlsPems } from './tls/tls-files'
import { listen } from 'listhen'
import { checkPortFree } from '../http/check-port'
import { toNodeHandlerWithFastPath } from '../http/node-fast-path'

/** What the agent says about a port it cannot have: clients are configured for it, so there is no fallback. */
export const AGENT_PORT_HINTS: PortHints = {
  anotherPort: 'start the agent on another port with --port',
  privileged: 'Run it as root or with CAP_NET_BIND_SERVICE (`sudo lambda agent install` runs it as a service that has it), or listen from 1024 up, e.g. --port 7070 (with a proxy on port 80 in front, or function URLs carry the port).',
}

/**
 * Serves the app with listhen on exactly this port (never a fallback port: clients are configured for it),
 * over TLS when given a certificate (PEM contents, which listhen takes inline). Function requests take
 * the fast path when one is given; everything else goes to the h3 app.
 */
export async function listenStrict(app: H3, port: number, host: string, extras: { tls?: TlsPems, fastPath?: NodeFastPath } = {}): Promise<Listener> {
  const { tls, fastPath } = extras
  await checkPortFree(port, host, AGENT_PORT_HINTS)
  return listen(toNodeHandlerWithFastPath(app, fastPath), { port, hostname: host, isProd: true, showURL: false, autoClose: false, qr: false, public: host !== 'localhost' && host !== '127.0.0.1', https: tls && { cert: tls.cert, key: tls.key } })
}
