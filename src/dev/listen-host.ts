import { createServer } from 'node:net'
import { LambdaError } from '../errors'

const NOT_HERE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EADDRNOTAVAIL', 'EINVAL'])

/**
 * Listens once on `hostname` (on a port the system picks) before lambda dev starts, so that an interface
 * this machine does not have (`--host 0.0.0.0.0`, a typo in dev.host) is named with its fix, whatever the port.
 */
export function checkListenHost(hostname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const why = NOT_HERE.has(error.code ?? '') ? 'it is not an address or a name of this machine' : error.message
      reject(new LambdaError({
        code: 'INVALID_HOST',
        status: 400,
        message: `lambda dev cannot listen on "${hostname}": ${why} (${error.code ?? error.message}).`,
        hint: 'Give --host (or dev.host in lambda.config.ts) an interface of this machine: localhost (the default), 127.0.0.1, or 0.0.0.0 for all of them.',
        cause: error,
      }))
    })
    probe.listen(0, hostname, () => probe.close(() => resolve()))
  })
}
