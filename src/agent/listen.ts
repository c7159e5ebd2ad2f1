import type { H3 } from 'h3'
import type { Listener } from 'listhen'
import type { NodeFastPath } from '../http/node-fast-path'
import type { TlsPems } from './tls/tls-files'
import { createServer } from 'node:net'
import { listen } from 'listhen'
import { LambdaError } from '../errors'
import { toNodeHandlerWithFastPath } from '../http/node-fast-path'

/** Tries the port once, to tell "taken" from "needs privileges" before anything else starts. */
export function checkPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new LambdaError({ code: 'PORT_IN_USE', status: 500, message: `Port ${port} on ${host} is already in use.`, hint: `Stop whatever listens there (see \`ss -ltnp 'sport = :${port}'\`), or start the agent on another port with --port.` }))
      }
      else if (error.code === 'EACCES') {
        reject(new LambdaError({ code: 'PORT_FORBIDDEN', status: 500, message: `Port ${port} needs privileges this process does not have (ports below 1024 are reserved for root).`, hint: 'Use a port from 1024 up (e.g. --port 7070, with a proxy in front for port 80), or grant CAP_NET_BIND_SERVICE as the systemd unit in docs/ does.' }))
      }
      else {
        reject(new LambdaError({ code: 'PORT_UNAVAILABLE', status: 500, message: `Cannot listen on ${host}:${port}: ${error.message}.`, hint: 'Check --host and --port.' }))
      }
    })
    probe.listen(port, host, () => probe.close(() => resolve()))
  })
}

/**
 * Serves the app with listhen on exactly this port (never a fallback port: clients are configured for it),
 * over TLS when given a certificate (PEM contents, which listhen takes inline). Function requests take
 * the fast path when one is given; everything else goes to the h3 app.
 */
export async function listenStrict(app: H3, port: number, host: string, extras: { tls?: TlsPems, fastPath?: NodeFastPath } = {}): Promise<Listener> {
  const { tls, fastPath } = extras
  await checkPortFree(port, host)
  return listen(toNodeHandlerWithFastPath(app, fastPath), { port, hostname: host, isProd: true, showURL: false, autoClose: false, qr: false, public: host !== 'localhost' && host !== '127.0.0.1', https: tls && { cert: tls.cert, key: tls.key } })
}
