import { createServer } from 'node:net'
import { LambdaError } from '../errors'

export interface PortHints {
  /** How to choose another port, e.g. "start the agent on another port with --port". */
  anotherPort: string
  /** What to do about a privileged port. */
  privileged: string
}

/** Listens once on `host:port` and closes at once: the error a real listen would get, or undefined. */
export function probeListen(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', resolve)
    probe.listen(port, host, () => probe.close(() => resolve(undefined)))
  })
}

/** Tries the port once, to tell "taken" from "needs privileges" (with their fixes) before anything starts. */
export async function checkPortFree(port: number, host: string, hints: PortHints): Promise<void> {
  const error = await probeListen(port, host)
  if (!error) return
  if (error.code === 'EADDRINUSE') {
    throw new LambdaError({ code: 'PORT_IN_USE', status: 500, message: `Port ${port} on ${host} is already in use.`, hint: `Stop whatever listens there (see \`ss -ltnp 'sport = :${port}'\`), or ${hints.anotherPort}.` })
  }
  if (error.code === 'EACCES') {
    throw new LambdaError({ code: 'PORT_FORBIDDEN', status: 500, message: `Port ${port} needs privileges this process does not have (ports below 1024 are reserved for root).`, hint: hints.privileged })
  }
  throw new LambdaError({ code: 'PORT_UNAVAILABLE', status: 500, message: `Cannot listen on ${host}:${port}: ${error.message}.`, hint: 'Check --host and --port.' })
}
