import { connect } from 'node:net'

/**
 * The runtime link: the agent owns a listening unix socket per instance (in a folder the function
 * cannot write) and the runtime dials it, so nothing the function does can change what the agent
 * talks to. Every connection starts with one line of JSON from the runtime naming its role; after it,
 * an `http` connection carries plain HTTP/1.1 with the agent as the client, and the one `control`
 * connection carries newline-delimited JSON both ways. See docs/agent.md, "Security model".
 */
export const LINK_PROTOCOL = 1

/**
 * Never-used connections kept open ahead of demand. The agent asks for a new connection only when all
 * it holds are busy, so each one it takes is replaced: it always gets one, up to the cap.
 */
const SPARE_CONNECTIONS = 2
const REDIAL_DELAY_MS = 50

/**
 * @param {'http' | 'control' | 'error'} role
 * @param {Record<string, unknown>} [extra]
 */
export function helloLine(role, extra = {}) {
  return `${JSON.stringify({ 'mini-lambda': LINK_PROTOCOL, role, ...extra })}\n`
}

/**
 * Tells the agent why the function could not load; resolves once sent (or after 2 s), never rejects.
 * @param {string} agentSocket
 * @param {{ message: string, stack?: string }} error
 * @returns {Promise<void>}
 */
export function sendStartupError(agentSocket, error) {
  return new Promise((resolve) => {
    const socket = connect(agentSocket)
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve()
    }
    const timer = setTimeout(done, 2000)
    socket.on('error', done)
    socket.on('connect', () => socket.end(helloLine('error', { error }), done))
  })
}

/**
 * Dials the agent: first the control connection (whose end tells the runtime to stop), then HTTP
 * connections fed to `server` as if it had accepted them. At most `concurrency + spare` are open.
 * `whenDone(requestId)` resolves once that request's handler has settled (for the agent's "await").
 * @param {import('node:http').Server} server
 * @param {{ agentSocket: string, concurrency: number, whenDone: (requestId: string) => Promise<unknown>, onLost: () => void }} options
 */
export function linkToAgent(server, { agentSocket, concurrency, whenDone, onLost }) {
  const maxConnections = Math.max(1, concurrency) + SPARE_CONNECTIONS
  /** @type {Set<import('node:net').Socket>} */
  const open = new Set()
  /** @type {Set<import('node:net').Socket>} */
  const unused = new Set()
  /** @type {Set<import('node:net').Socket>} */
  const idle = new Set()
  let dialing = 0
  let lost = false

  const topUp = () => {
    while (!lost && unused.size + dialing < SPARE_CONNECTIONS && open.size + dialing < maxConnections) dialHttp()
  }

  const dialHttp = () => {
    dialing++
    const socket = connect(agentSocket)
    socket.once('connect', () => {
      dialing--
      socket.write(helloLine('http'))
      open.add(socket)
      unused.add(socket)
      idle.add(socket)
      server.emit('connection', socket)
      topUp()
    })
    socket.once('error', () => {})
    socket.once('close', () => {
      if (!open.delete(socket)) {
        // Never connected: try again a little later rather than spinning.
        dialing--
        setTimeout(topUp, REDIAL_DELAY_MS).unref()
        return
      }
      unused.delete(socket)
      idle.delete(socket)
      topUp()
    })
  }

  const onRequest = /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */ (req, res) => {
    const socket = /** @type {import('node:net').Socket} */ (req.socket)
    idle.delete(socket)
    if (unused.delete(socket)) topUp()
    res.once('close', () => {
      if (open.has(socket) && !socket.destroyed) idle.add(socket)
    })
  }
  server.on('request', onRequest)

  const control = connect(agentSocket)
  let pending = ''
  control.setEncoding('utf8')
  control.once('connect', () => {
    control.write(helloLine('control', { pid: process.pid }))
    topUp()
  })
  control.on('data', (chunk) => {
    pending += chunk
    let newline
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      let message
      try {
        message = JSON.parse(line)
      }
      catch {
        continue
      }
      if (message?.type === 'await' && typeof message.id === 'string') {
        whenDone(message.id).then(() => control.writable && control.write(`${JSON.stringify({ type: 'done', id: message.id })}\n`))
      }
    }
  })
  control.on('error', () => {})
  control.once('close', () => {
    lost = true
    // A link made again after an agent restart (agent-redial.mjs) has its own.
    server.off('request', onRequest)
    onLost()
  })

  return {
    /** Connections with no request on them, for a graceful stop. */
    closeIdle() {
      lost = true
      for (const socket of idle) socket.destroy()
    },
  }
}
