import { createServer } from 'node:net'
import { LambdaError } from '../errors'

export interface PortHints {
  /** How to choose another port, e.g. "start the agent on another port with --port". */
  anotherPort: string
  /** What to do about a privileged port. */
  privileged: string
}

/** Tries the port once, to tell "taken" from "needs privileges" (with their fixes) before anything starts. */
export function checkPortFree(port: number, host: string, hints: PortHints): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new LambdaError({ code: 'PORT_IN_USE', status: 500, message: `Port ${port} on ${host} is already in use.`, hint: `Stop whatever listens there (see \`ss -ltnp 'sport = :${port}'\`), or ${hints.anotherPort}.` }))
      }
      else if (error.code === 'EACCES') {
        reject(new LambdaError({ code: 'PORT_FORBIDDEN', status: 500, message: `Port ${port} needs privileges this process does not have (ports below 1024 are reserved for root).`, hint: hints.privileged }))
      }
      else {
        reject(new LambdaError({ code: 'PORT_UNAVAILABLE', status: 500, message: `Cannot listen on ${host}:${port}: ${error.message}.`, hint: 'Check --host and --port.' }))
      }
    })
    probe.listen(port, host, () => probe.close(() => resolve()))
  })
}
