import { connect } from 'node:net'
import { Mux } from './mux.mjs'

/**
 * The runtime link: the agent owns a listening unix socket per instance (in a folder the function
 * cannot write) and the runtime dials it, so nothing the function does can change what the agent
 * talks to. Every connection starts with one line of JSON from the runtime naming its role; after it,
 * a `mux` connection carries a stream of frames per request (mux.mjs, frames.mjs; this runtime; the
 * agent still takes the one-request-per-connection `frames` of older runtimes), an `http` one plain
 * HTTP/1.1 with the agent as the client (connector.mjs, for custom images' own servers), and the one
 * `control` connection newline-delimited JSON both ways. See docs/agent.md, "Security model".
 */
export const LINK_PROTOCOL = 1

const REDIAL_DELAY_MS = 50

/**
 * @param {'mux' | 'http' | 'control' | 'error'} role
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
 * Dials the agent: first the control connection (whose end tells the runtime to stop), then one
 * `mux` connection (mux.mjs) on which the agent opens a stream per request, each handed to `serve`.
 * `whenDone(requestId)` resolves once that request's handler has settled (for the agent's "await").
 * @param {(stream: import('./mux.mjs').MuxStream) => void} serve
 * @param {{ agentSocket: string, whenDone: (requestId: string) => Promise<unknown>, onLost: () => void }} options
 */
export function linkToAgent(serve, { agentSocket, whenDone, onLost }) {
  let lost = false
  /** @type {Mux | undefined} */
  let mux

  const dialMux = () => {
    if (lost) return
    const socket = connect(agentSocket)
    let connected = false
    socket.once('connect', () => {
      // Dialed before the link was lost or replaced: the agent must only see the live link's mux.
      if (lost) return void socket.destroy()
      connected = true
      socket.write(helloLine('mux'))
      mux = new Mux(socket, { accept: serve })
    })
    socket.on('error', () => {})
    // Gone while the agent still is (or never connected): dial again a little later rather than spinning.
    socket.once('close', () => {
      if (connected) mux = undefined
      setTimeout(dialMux, REDIAL_DELAY_MS).unref()
    })
  }

  const control = connect(agentSocket)
  let pending = ''
  control.setEncoding('utf8')
  control.once('connect', () => {
    control.write(helloLine('control', { pid: process.pid }))
    dialMux()
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
    onLost()
  })

  return {
    /** For a graceful stop: requests in flight go on, new ones are refused. */
    refuseNew() {
      lost = true
      if (mux) mux.refusing = true
    },
    /**
     * A new link replaces this one (its control connection ended): its mux closes once its streams
     * are done, so an agent still holding it moves to the new link's mux instead of sending requests
     * to one that refuses them all.
     */
    abandon() {
      lost = true
      control.destroy()
      const closeWhenIdle = () => {
        if (!mux || mux.socket.destroyed) return
        mux.refusing = true
        if (mux.streams.size === 0) return void mux.socket.destroy()
        setTimeout(closeWhenIdle, 20).unref()
      }
      closeWhenIdle()
    },
  }
}
