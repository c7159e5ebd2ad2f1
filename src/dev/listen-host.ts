import { LambdaError } from '../errors'
import { probeListen } from '../http/check-port'

const NOT_HERE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EADDRNOTAVAIL', 'EINVAL'])

/**
 * Listens once on `hostname` (on a port the system picks) before lambda dev starts, so that an interface
 * this machine does not have (`--host 0.0.0.0.0`, a typo in dev.host) is named with its fix, whatever the port.
 */
export async function checkListenHost(hostname: string): Promise<void> {
  const error = await probeListen(0, hostname)
  if (!error) return
  const why = NOT_HERE.has(error.code ?? '') ? 'it is not an address or a name of this machine' : error.message
  throw new LambdaError({
    code: 'INVALID_HOST',
    status: 400,
    message: `lambda dev cannot listen on "${hostname}": ${why} (${error.code ?? error.message}).`,
    hint: 'Give --host (or dev.host in lambda.config.ts) an interface of this machine: localhost (the default), 127.0.0.1, or 0.0.0.0 for all of them.',
    cause: error,
  })
}
