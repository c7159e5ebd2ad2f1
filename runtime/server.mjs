import { chmodSync, renameSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { createInvocationContext } from './context.mjs'
import { logInvocationError, sendError } from './errors.mjs'

export function startServer(invoke, settings) {
  const server = createServer((req, res) => {
    const context = createInvocationContext(req, settings)
    invoke(req, res, context, settings).catch((error) => {
      logInvocationError(settings.functionName, context.requestId, error)
      sendError(res, 500, 'FUNCTION_ERROR', error, settings.dev)
    })
  })
  // The caller keeps connections alive and reuses them; if we closed idle ones first,
  // a request sent at that instant would be lost. Deadlines are the caller's job too.
  server.keepAliveTimeout = 10 * 60_000
  server.headersTimeout = 0
  server.requestTimeout = 0

  const { socketPath } = settings
  const pendingPath = `${socketPath}.${process.pid}.tmp`
  rmSync(socketPath, { force: true })
  rmSync(pendingPath, { force: true })
  server.listen(pendingPath, () => {
    // The gateway may run as another user than the function.
    chmodSync(pendingPath, 0o666)
    // Readiness: the socket appears under its real name only once it accepts connections,
    // so a caller that sees the path can never connect too early.
    renameSync(pendingPath, socketPath)
    if (process.send) process.send({ type: 'ready' })
  })

  let closing = false
  const shutdown = () => {
    if (closing) return
    closing = true
    // Finish requests in flight, then go; docker stop / the pool escalate to SIGKILL if we hang.
    server.close(() => process.exit(0))
    server.closeIdleConnections()
    setTimeout(() => process.exit(0), settings.timeoutMs + 1000).unref()
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  // Started by lambda dev or the process provider: never outlive the parent, even if it was SIGKILLed.
  if (process.send) process.on('disconnect', shutdown)
  process.on('exit', () => rmSync(socketPath, { force: true }))
  return server
}
