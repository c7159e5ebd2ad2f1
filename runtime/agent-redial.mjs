import { connect } from 'node:net'

/**
 * What a runtime does when its control connection to the agent ends while the agent asked it to
 * wait (LAMBDA_ADOPT_GRACE_MS, set by the docker provider): the agent may be restarting and will
 * adopt this container. It tries the same socket (the agent's, in the read-only link folder) every
 * 100–250 ms; once something accepts there it links again (`relink`), and after the grace it shuts
 * down as it would have at once. Nothing here reads the function's files or picks another path.
 */
const MIN_DELAY_MS = 100
const MAX_DELAY_MS = 250

/**
 * @param {{ agentSocket: string, graceMs: number, relink: () => void, shutdown: () => void, stopped: () => boolean }} options
 * @returns {() => void} call when the control connection is lost: starts waiting (once at a time)
 */
export function redialAfterLoss({ agentSocket, graceMs, relink, shutdown, stopped }) {
  let waiting = false
  return () => {
    if (waiting || stopped()) return
    if (!(graceMs > 0)) return shutdown()
    waiting = true
    const deadline = Date.now() + graceMs
    const attempt = () => {
      if (stopped()) return
      if (Date.now() >= deadline) return shutdown()
      const probe = connect(agentSocket)
      probe.once('error', () => {})
      probe.once('connect', () => {
        // A listening agent: its link ends this unnamed connection; the real ones follow.
        probe.destroy()
        waiting = false
        relink()
      })
      probe.once('close', () => {
        if (waiting) setTimeout(attempt, MIN_DELAY_MS + Math.random() * (MAX_DELAY_MS - MIN_DELAY_MS))
      })
    }
    attempt()
  }
}

/** The grace the agent gave (ms); 0 when absent or not a sane number (then the runtime exits at once, as before). */
export function adoptGraceMs(raw = process.env.LAMBDA_ADOPT_GRACE_MS) {
  const value = Number(raw)
  return Number.isFinite(value) && value > 0 ? Math.min(value, 24 * 3600_000) : 0
}
