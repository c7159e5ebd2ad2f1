import { chmodSync, renameSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { redialAfterLoss } from './agent-redial.mjs'
import { createInvocationContext, DEADLINE_HEADER, REQUEST_ID_HEADER } from './context.mjs'
import { logInvocationError, sendError } from './errors.mjs'
import { serveFrames } from './frame-exchange.mjs'
import { httpExchange } from './http-exchange.mjs'
import { linkToAgent } from './link.mjs'
import { attributeOutput, runAttributed } from './log-attribution.mjs'

/** How long an "await" for a request not seen yet waits for it (one abandoned before it was sent never comes). */
const ARRIVAL_GRACE_MS = 500
const ENDED_KEPT = 4096

/**
 * Serves the function: as frames on connections dialed to the agent (LAMBDA_AGENT_SOCKET, how the
 * agent and `lambda dev` run it), or as HTTP listening on LAMBDA_SOCKET (to run the runtime by hand).
 * @param {import('./types').Invoker} invoke
 * @param {import('./types').RuntimeSettings} settings
 */
export function startServer(invoke, settings) {
  attributeOutput()
  // Handlers still running, by request id: the agent may ask when one whose client left is done.
  /** @type {Map<string, Promise<void>>} */
  const running = new Map()
  // The agent's "await" comes on the control connection, the request on the mux: the await may arrive
  // first. Ids that ended lately answer at once; an unknown one waits a moment for its request to
  // arrive, so a handler about to start is never reported done (the agent would give its slot away).
  /** @type {Set<string>} */
  const ended = new Set()
  /** @type {Map<string, Array<() => void>>} */
  const arriving = new Map()
  /**
   * @param {import('./types').Exchange} exchange
   * @param {string | undefined} requestId
   * @param {number | undefined} deadline
   */
  const handle = (exchange, requestId, deadline) => {
    const context = createInvocationContext(requestId, deadline, settings)
    // Everything the handler prints, the error report included, is marked with the request's id.
    const settled = runAttributed(context.requestId, () => invoke(exchange, context).catch((error) => {
      logInvocationError(settings.functionName, context.requestId, error)
      sendError(exchange, 500, 'FUNCTION_ERROR', error, settings.dev)
    })).finally(() => {
      running.delete(context.requestId)
      ended.add(context.requestId)
      // The last few thousand are enough: an await follows its request within moments.
      const oldest = ended.values().next().value
      if (ended.size > ENDED_KEPT && oldest !== undefined) ended.delete(oldest)
    })
    running.set(context.requestId, settled)
    for (const arrived of arriving.get(context.requestId) ?? []) arrived()
  }
  /** @param {string} id */
  const whenDone = id => running.get(id) ?? (ended.has(id)
    ? Promise.resolve()
    : new Promise((resolve) => {
        const waiters = arriving.get(id) ?? []
        arriving.set(id, waiters)
        const timer = setTimeout(() => {
          arriving.delete(id)
          resolve(undefined)
        }, ARRIVAL_GRACE_MS)
        waiters.push(() => {
          clearTimeout(timer)
          arriving.delete(id)
          resolve(running.get(id))
        })
      }))

  let closing = false
  /** @type {{ refuseNew(): void, abandon(): void } | undefined} */
  let link
  /** @type {import('node:http').Server | undefined} */
  let server
  const shutdown = () => {
    if (closing) return
    closing = true
    // Finish requests in flight, then go; docker stop / the pool escalate to SIGKILL if we hang.
    link?.refuseNew()
    if (server?.listening) server.close()
    server?.closeIdleConnections()
    const exitWhenIdle = () => (running.size === 0 ? process.exit(0) : setTimeout(exitWhenIdle, 10))
    exitWhenIdle()
    setTimeout(() => process.exit(0), settings.timeoutMs + 1000).unref()
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  // Run by hand with an IPC channel: never outlive the parent. On the link, its end says the agent is gone.
  if (process.connected) process.on('disconnect', shutdown)

  if (settings.agentSocket) {
    const agentSocket = settings.agentSocket
    const dial = () => linkToAgent(stream => serveFrames(stream, (exchange, head) => handle(exchange, head.i, head.d)), { agentSocket, whenDone, onLost: () => onLost() })
    // An agent restarting may adopt this instance: wait for it (agent-redial.mjs) rather than exit.
    const onLost = redialAfterLoss({ agentSocket, graceMs: settings.adoptGraceMs ?? 0, shutdown, stopped: () => closing, relink: () => {
      link?.abandon()
      link = dial()
    } })
    link = dial()
    return
  }

  server = createServer((req, res) => {
    const id = req.headers[REQUEST_ID_HEADER] || req.headers['x-request-id']
    handle(httpExchange(req, res), typeof id === 'string' ? id : undefined, Number(req.headers[DEADLINE_HEADER]) || undefined)
  })
  // The caller keeps connections alive and reuses them, and deadlines are its job too.
  server.keepAliveTimeout = 0
  server.headersTimeout = 0
  server.requestTimeout = 0
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
}
