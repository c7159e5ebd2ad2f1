import { chmodSync, renameSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { redialAfterLoss } from './agent-redial.mjs'
import { createInvocationContext } from './context.mjs'
import { logInvocationError, sendError } from './errors.mjs'
import { linkToAgent } from './link.mjs'
import { attributeOutput, runAttributed } from './log-attribution.mjs'

/**
 * Serves the function over HTTP: on connections dialed to the agent (LAMBDA_AGENT_SOCKET, how the
 * agent and `lambda dev` run it), or listening on LAMBDA_SOCKET (to run the runtime by hand).
 * @param {import('./types').Invoker} invoke
 * @param {import('./types').RuntimeSettings} settings
 */
export function startServer(invoke, settings) {
  attributeOutput()
  // Handlers still running, by request id: the agent may ask when one whose client left is done.
  /** @type {Map<string, Promise<void>>} */
  const running = new Map()
  const server = createServer((req, res) => {
    const context = createInvocationContext(req, settings)
    // Everything the handler prints, the error report included, is marked with the request's id.
    const settled = runAttributed(context.requestId, () => invoke(req, res, context).catch((error) => {
      logInvocationError(settings.functionName, context.requestId, error)
      sendError(res, 500, 'FUNCTION_ERROR', error, settings.dev)
    })).finally(() => running.delete(context.requestId))
    running.set(context.requestId, settled)
  })
  // The caller keeps connections alive and reuses them, and deadlines are its job too.
  server.keepAliveTimeout = 0
  server.headersTimeout = 0
  server.requestTimeout = 0

  let closing = false
  /** @type {{ closeIdle(): void } | undefined} */
  let link
  const shutdown = () => {
    if (closing) return
    closing = true
    // Finish requests in flight, then go; docker stop / the pool escalate to SIGKILL if we hang.
    link?.closeIdle()
    if (server.listening) server.close()
    server.closeIdleConnections()
    const exitWhenIdle = () => (running.size === 0 ? process.exit(0) : setTimeout(exitWhenIdle, 10))
    exitWhenIdle()
    setTimeout(() => process.exit(0), settings.timeoutMs + 1000).unref()
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  // Started by lambda dev or the process provider: never outlive the parent, even if it was SIGKILLed.
  if (process.send) process.on('disconnect', shutdown)

  if (settings.agentSocket) {
    const agentSocket = settings.agentSocket
    const whenDone = /** @param {string} id */ id => running.get(id) ?? Promise.resolve()
    const dial = () => linkToAgent(server, { agentSocket, concurrency: settings.concurrency, whenDone, onLost: () => onLost() })
    // An agent restarting may adopt this instance: wait for it (agent-redial.mjs) rather than exit.
    const onLost = redialAfterLoss({ agentSocket, graceMs: settings.adoptGraceMs ?? 0, shutdown, stopped: () => closing, relink: () => {
      link?.closeIdle()
      link = dial()
    } })
    link = dial()
    return server
  }

  const socketPath = /** @type {string} */ (settings.socketPath)
  const pendingPath = `${socketPath}.${process.pid}.tmp`
  rmSync(socketPath, { force: true })
  rmSync(pendingPath, { force: true })
  server.listen(pendingPath, () => {
    chmodSync(pendingPath, 0o666)
    // Readiness: the socket appears under its real name only once it accepts connections.
    renameSync(pendingPath, socketPath)
  })
  process.on('exit', () => rmSync(socketPath, { force: true }))
  return server
}
