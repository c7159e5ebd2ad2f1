import { existsSync, watch } from 'node:fs'
import { connect } from 'node:net'
import { basename, dirname } from 'node:path'

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * Resolves once something accepts connections on `socketPath`, which a container creates in a
 * bind-mounted folder. inotify tells us the moment the file appears; a tight poll covers
 * filesystems where events do not arrive. The connect probe matters for containers that bind
 * before they listen (our runtime renames its socket into place only when listening).
 */
export async function waitForSocket(socketPath: string, gaveUp: Promise<unknown>, pollMs = 5): Promise<void> {
  let stopped = false
  gaveUp.then(() => {
    stopped = true
  }, () => {
    stopped = true
  })
  let wake: () => void = () => {}
  const watcher = (() => {
    try {
      return watch(dirname(socketPath), (_event, file) => {
        if (file?.toString() === basename(socketPath)) wake()
      })
    }
    catch {
      return undefined
    }
  })()
  try {
    for (;;) {
      if (stopped) throw new Error('instance ended before it was ready')
      if (existsSync(socketPath) && await canConnect(socketPath)) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }
  finally {
    watcher?.close()
  }
}
