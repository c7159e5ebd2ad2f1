import { readFile } from 'node:fs/promises'
import { createSecureContext } from 'node:tls'
import { LambdaError } from '../../errors'

export interface TlsFiles {
  cert: string
  key: string
}

export interface TlsPems {
  cert: string
  key: string
}

async function readPem(path: string, what: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  }
  catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new LambdaError({
      code: 'TLS_FILE_UNREADABLE',
      status: 500,
      message: `Cannot read the TLS ${what} ${path}${code === 'ENOENT' ? ': no such file' : code === 'EACCES' ? ': permission denied' : `: ${(error as Error).message}`}.`,
      hint: `Give ${flag} a PEM file this user may read (under systemd: a path outside /home, readable by the service's user).`,
      cause: error,
    })
  }
}

/** Reads the certificate chain and key, and checks they form a usable pair before serving with them. */
export async function readTlsFiles(files: TlsFiles): Promise<TlsPems> {
  // Both read at once, but the certificate's problem is told first, whichever read fails first.
  const [certRead, keyRead] = await Promise.allSettled([readPem(files.cert, 'certificate', '--tls-cert'), readPem(files.key, 'key', '--tls-key')])
  if (certRead.status === 'rejected') throw certRead.reason
  if (keyRead.status === 'rejected') throw keyRead.reason
  const [cert, key] = [certRead.value, keyRead.value]
  try {
    createSecureContext({ cert, key })
  }
  catch (error) {
    throw new LambdaError({
      code: 'TLS_INVALID',
      status: 500,
      message: `The TLS certificate ${files.cert} and key ${files.key} cannot be used together: ${(error as Error).message}.`,
      hint: 'Both must be PEM; --tls-cert the certificate (with its chain, e.g. fullchain.pem) and --tls-key its private key.',
      cause: error,
    })
  }
  return { cert, key }
}
