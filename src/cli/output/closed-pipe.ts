/**
 * `lambda list | head -1`: once the reader is gone, output has nowhere to go, and that is not an
 * error. The CLI ends quietly with exit 0; a server (`lambda dev`, `lambda agent`) first stops what
 * it runs, through its own SIGTERM handler.
 */
export function endQuietlyOnClosedPipe(): void {
  let ending = false
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    if (ending) return
    ending = true
    process.exitCode = 0
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM')
    else process.exit(0)
  }
  process.stdout.on('error', onError)
  process.stderr.on('error', onError)
}
