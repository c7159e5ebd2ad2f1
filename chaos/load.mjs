// Open-loop load: requests leave at a fixed rate whether or not earlier ones answered, so a stalled
// agent shows as failures and hangs rather than as a slower client. Each outcome is kept with the
// campaign phase it was sent in.
import { request } from 'node:http'

/** A request unanswered this long is a hang: longer than any function timeout of the project (20 s) plus a cold start. */
export const HANG_MS = 45_000

/** One HTTP request to 127.0.0.1 with a Host header; resolves with what happened, never rejects. */
export function call({ port, host, path = '/', method = 'GET', headers = {}, body, timeoutMs = HANG_MS }) {
  const started = performance.now()
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host, ...headers }, agent: false }, (res) => {
      const chunks = []
      res.on('data', d => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode, requestId: res.headers['x-request-id'], headers: res.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }))
      res.on('error', error => resolve({ error: error.code ?? error.message, ms: performance.now() - started }))
    })
    req.setTimeout(timeoutMs, () => {
      req.destroy()
      resolve({ hang: true, ms: performance.now() - started })
    })
    req.on('error', error => resolve({ error: error.code ?? error.message, ms: performance.now() - started }))
    req.end(body)
  })
}

/** How an answer counts in the report. */
export function classify(outcome) {
  if (outcome.hang) return 'hang'
  if (outcome.error) return outcome.error === 'ECONNREFUSED' ? 'refused' : 'conn-error'
  if (outcome.status < 400) return 'ok'
  if (outcome.status === 429 || outcome.status === 503) return outcome.requestId ? 'shed' : 'unclear-5xx'
  if (outcome.status >= 500) return outcome.requestId ? 'clear-5xx' : 'unclear-5xx'
  return 'client-4xx'
}

/**
 * Sends `rate` requests a second, round robin over `functions`, until stopped. `phase()` names the
 * campaign phase a request is sent in; `record(phase, fn, outcome)` receives each answer.
 */
export function startLoad({ port, domain, functions, rate, phase, record }) {
  let sent = 0
  const pending = new Set()
  const started = performance.now()
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate)
    while (sent < due) {
      const fn = functions[sent % functions.length]
      const at = phase()
      sent++
      const p = call({ port, host: `${fn}.${domain}` }).then(outcome => record(at, fn, outcome))
      pending.add(p)
      p.finally(() => pending.delete(p))
    }
  }, 20)
  return {
    async stop() {
      clearInterval(timer)
      await Promise.all(pending)
    },
  }
}
