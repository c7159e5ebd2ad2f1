// Asynchronous calls with retries, checked end to end: every 202 must end as an invocation that
// finished, and a call must not run again once it succeeded. The function answers a fresh nonce per
// run; the callbacks (delivered at least once) carry it, so two different nonces for one invocation
// are two successful runs, while a repeated callback of the same run is not.
import { createServer } from 'node:http'
import { call } from './load.mjs'

export async function startAsyncTracker({ port, domain, phase, fn = 'worker' }) {
  const accepted = new Map() // invocation id → { phase }
  const refused = []
  const runsOf = new Map() // invocation id → Map of run nonce → campaign phase its first callback came in
  const callbacks = createServer((req, res) => {
    const chunks = []
    req.on('data', d => chunks.push(d))
    req.on('end', () => {
      res.end('ok')
      try {
        const report = JSON.parse(Buffer.concat(chunks).toString())
        if (report.status !== 'succeeded') return
        const run = JSON.parse(report.response?.body ?? '{}').run
        if (!runsOf.has(report.invocationId)) runsOf.set(report.invocationId, new Map())
        const runs = runsOf.get(report.invocationId)
        if (!runs.has(run)) runs.set(run, phase())
      }
      catch {}
    })
  })
  await new Promise(r => callbacks.listen(0, '127.0.0.1', r))
  const callbackUrl = `http://127.0.0.1:${callbacks.address().port}/done`
  let serial = 0

  return {
    /** Sends one async call; a refusal while the agent is down or the disk is full is counted, not a loss. */
    async send(phase) {
      const outcome = await call({ port, host: `${fn}.${domain}`, method: 'POST', body: `call-${++serial}`, headers: { 'x-lambda-invocation-type': 'Event', 'x-callback-url': callbackUrl } })
      const id = outcome.headers?.['x-lambda-invocation-id'] ?? (outcome.status === 202 ? safeJson(outcome.body)?.invocationId ?? safeJson(outcome.body)?.id : undefined)
      if (outcome.status === 202 && id) accepted.set(id, { phase })
      else refused.push({ phase, status: outcome.status, error: outcome.error ?? outcome.hang })
    },
    /**
     * After the load stopped: waits (bounded) for accepted calls to finish, then checks each with the
     * admin API. Lost: accepted, then unknown to the agent or never finished. Ran twice: two
     * successful runs (callback nonces, or two 2xx attempts on the record).
     */
    async verify(waitMs, admin) {
      const deadline = Date.now() + waitMs
      let open = [...accepted.keys()]
      const records = new Map()
      while (open.length > 0 && Date.now() < deadline) {
        for (const id of open) {
          const r = await admin(`/invocations/${id}`)
          if (r.status === 200) records.set(id, r.json)
          else records.set(id, null)
        }
        open = open.filter(id => !['succeeded', 'failed'].includes(records.get(id)?.status))
        if (open.length > 0) await new Promise(r => setTimeout(r, 2000))
      }
      const byPhase = {}
      const details = []
      const bump = (phase, field) => {
        byPhase[phase] ??= { accepted: 0, refused: 0, lost: 0, failed: 0, twice: 0 }
        byPhase[phase][field]++
      }
      for (const r of refused) bump(r.phase, 'refused')
      for (const [id, { phase }] of accepted) {
        bump(phase, 'accepted')
        const record = records.get(id)
        if (!record || !['succeeded', 'failed'].includes(record.status)) {
          bump(phase, 'lost')
          details.push(`lost ${id} (${phase.replace('\u0000', ' ')}): ${record ? record.status : 'unknown to the agent'}`)
        }
        else if (record.status === 'failed') {
          bump(phase, 'failed')
        }
        const okAttempts = (record?.attempts ?? []).filter(a => a.status >= 200 && a.status < 300).length
        if ((runsOf.get(id)?.size ?? 0) > 1 || okAttempts > 1) {
          bump(phase, 'twice')
          details.push(`ran twice ${id} (${phase.replace('\u0000', ' ')}): ${runsOf.get(id)?.size ?? 0} runs in callbacks (arrived in: ${[...(runsOf.get(id)?.values() ?? [])].join(', ')}), attempts ${(record?.attempts ?? []).map(a => a.status).join(',')}`)
        }
      }
      return { byPhase, details }
    },
    close: () => new Promise(r => callbacks.close(r)),
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text)
  }
  catch {
    return undefined
  }
}
