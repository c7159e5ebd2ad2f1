import type { Server } from 'node:https'
import type { TlsFiles } from './tls-files'
import { unwatchFile, watchFile } from 'node:fs'
import { readTlsFiles } from './tls-files'

/** How often the files are checked: a stat, cheap, and robust to renames and symlink swaps (certbot, Caddy). */
const WATCH_INTERVAL_MS = 2000

export interface TlsReloader {
  /** Reads the files again and serves new connections with them; on a bad pair keeps the current one. */
  reload: () => Promise<boolean>
  close: () => void
}

/**
 * Keeps the served certificate in step with the files: on change (polled) and on demand (SIGHUP).
 * A renewal that writes the certificate before the key is a mismatched pair for a moment: that is
 * refused with a warning and the next change (the key) completes it.
 */
export function watchTlsFiles(server: Server, files: TlsFiles, log: { info: (line: string) => void, warn: (line: string) => void }): TlsReloader {
  let queue = Promise.resolve(true)
  const reload = () => {
    queue = queue.then(async () => {
      try {
        server.setSecureContext(await readTlsFiles(files))
        log.info(`Reloaded the TLS certificate from ${files.cert}.`)
        return true
      }
      catch (error) {
        log.warn(`${(error as Error).message} Still serving the previous certificate.`)
        return false
      }
    })
    return queue
  }
  const onChange = (current: { mtimeMs: number, ino: number }, previous: { mtimeMs: number, ino: number }) => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino) void reload()
  }
  for (const path of [files.cert, files.key]) watchFile(path, { interval: WATCH_INTERVAL_MS, persistent: false }, onChange)
  return {
    reload,
    close() {
      for (const path of [files.cert, files.key]) unwatchFile(path, onChange)
    },
  }
}
