// Overload: a function of 100 ms, concurrency 2 × maxInstances 2, timeout 5 s. Measures its capacity,
// then sends open-loop load (a request every 1/rate s, each on its own connection, whatever the answers)
// at 1×, 2× and 5× of it, and prints goodput, latency of accepted requests, time to reject, the
// statuses and the most requests the function ever ran at once; then the same with wrk (closed loop,
// keep-alive) at a few connection counts.
// `node bench/overload.mjs [--provider docker] [--seconds 10]`, or `npm run bench overload`.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startAgent, timedCli } from './lib/agent.mjs'
import { percentile } from './lib/load.mjs'

const FUNCTION = { concurrency: 2, maxInstances: 2, timeout: 5 }
const WORK_MS = 100
const FACTORS = [1, 2, 5]
const sleep = ms => new Promise(r => setTimeout(r, ms))

// Each answer carries the most requests its instance ever ran at once (module state): it must never
// be above concurrency, whatever the load.
const slow = `let running = 0
let peak = 0
export default async () => {
  peak = Math.max(peak, ++running)
  await new Promise(resolve => setTimeout(resolve, ${WORK_MS}))
  running--
  return { peak }
}
`

function overloadProject() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-overload-'))
  mkdirSync(join(dir, 'functions', 'slow'), { recursive: true })
  writeFileSync(join(dir, 'functions', 'slow', 'index.ts'), slow)
  writeFileSync(join(dir, 'lambda.config.ts'), `import { defineConfig } from 'mini-lambda'\nexport default defineConfig({ functions: { slow: ${JSON.stringify({ ...FUNCTION, idle: { pauseAfter: false } })} } })\n`)
  return dir
}

/** One request on its own connection: status, ms to the whole answer, the error code, the peak it reported. */
function call(port, host) {
  return new Promise((resolve) => {
    const sent = performance.now()
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => {
        let parsed
        try {
          parsed = JSON.parse(body)
        }
        catch {}
        resolve({ status: res.statusCode, ms: performance.now() - sent, peak: parsed?.peak, code: parsed?.error?.code, retryAfter: res.headers['retry-after'] })
      })
    })
    req.on('error', error => resolve({ status: error.code ?? 'error', ms: performance.now() - sent }))
    req.end()
  })
}

/** Capacity: as many callers as slots, each calling again as soon as answered, for `seconds`. */
async function measureCapacity(port, host, seconds) {
  const slots = FUNCTION.concurrency * FUNCTION.maxInstances
  const until = performance.now() + seconds * 1000
  let ok = 0
  await Promise.all(Array.from({ length: slots }, async () => {
    while (performance.now() < until) {
      if ((await call(port, host)).status === 200) ok++
    }
  }))
  return ok / seconds
}

/** Open loop: a request every 1000/rate ms for `seconds`, sent whatever happens to the others. */
async function openLoop(port, host, rate, seconds) {
  const calls = []
  const started = performance.now()
  const total = Math.round(rate * seconds)
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    calls.push(call(port, host))
  }
  const results = await Promise.all(calls)
  // Goodput over the whole time it took, the queue's drain after the last send included.
  return { results, elapsed: (performance.now() - started) / 1000 }
}

function summarize(results, seconds, capacity) {
  const ok = results.filter(r => r.status === 200)
  const rejected = results.filter(r => r.status === 429 || r.status === 503)
  const count = status => results.filter(r => r.status === status).length
  const goodput = ok.length / seconds
  return {
    sent: results.length,
    goodput,
    goodputPct: (100 * goodput) / capacity,
    p50: percentile(ok.map(r => r.ms), 50),
    p99: percentile(ok.map(r => r.ms), 99),
    rejectP50: rejected.length ? percentile(rejected.map(r => r.ms), 50) : undefined,
    rejectP99: rejected.length ? percentile(rejected.map(r => r.ms), 99) : undefined,
    s429: count(429),
    s503: count(503),
    s504: count(504),
    other: results.length - ok.length - rejected.length - count(504),
    maxConcurrency: Math.max(0, ...ok.map(r => r.peak ?? 0)),
  }
}

/** wrk at `connections` keep-alive connections (closed loop): 2xx/s and the non-2xx count. */
function wrk(port, host, connections, seconds) {
  const out = execFileSync('wrk', ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '--latency', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' })
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1]
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1]
  return { connections, total, non2xx, goodput: (total - non2xx) / seconds, p50, p99 }
}

const fixed = (n, digits = 0) => n === undefined ? '—' : n.toFixed(digits)

export async function benchOverload(opts = {}) {
  const provider = opts.provider ?? process.env.BENCH_PROVIDER ?? 'process'
  const seconds = Number(opts.seconds ?? process.env.BENCH_OVERLOAD_SECONDS ?? 10)
  const agent = await startAgent({ provider })
  const project = overloadProject()
  try {
    timedCli(['deploy'], { cwd: project, env: agent.env })
    const host = `slow.localhost:${agent.port}`
    for (let tries = 0; (await call(agent.port, host)).status !== 200; tries++) {
      if (tries > 20) throw new Error('slow never answered 200')
      await sleep(200)
    }
    const capacity = await measureCapacity(agent.port, host, Math.min(seconds, 5))
    console.log(`\noverload (${provider}): a function of ${WORK_MS} ms, concurrency ${FUNCTION.concurrency} × maxInstances ${FUNCTION.maxInstances}, timeout ${FUNCTION.timeout} s; measured capacity ${capacity.toFixed(1)} req/s (ideal ${(1000 / WORK_MS) * FUNCTION.concurrency * FUNCTION.maxInstances}); open loop, ${seconds} s per level`)
    console.log('| load | sent | goodput (2xx/s) | % of capacity | p50 / p99 accepted (ms) | time to reject p50 / p99 (ms) | 429 | 503 | 504 | other | max concurrency seen |')
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    const rows = []
    for (const factor of FACTORS) {
      const { results, elapsed } = await openLoop(agent.port, host, capacity * factor, seconds)
      const row = { factor, ...summarize(results, elapsed, capacity) }
      rows.push(row)
      console.log(`| ${factor}× (${(capacity * factor).toFixed(0)}/s) | ${row.sent} | ${row.goodput.toFixed(1)} | ${row.goodputPct.toFixed(0)}% | ${fixed(row.p50)} / ${fixed(row.p99)} | ${fixed(row.rejectP50, 1)} / ${fixed(row.rejectP99, 1)} | ${row.s429} | ${row.s503} | ${row.s504} | ${row.other} | ${row.maxConcurrency} (limit ${FUNCTION.concurrency}) |`)
      // Let the queue empty before the next level.
      await sleep(FUNCTION.timeout * 1000)
    }
    const wrkRows = []
    console.log(`\nwrk (closed loop, keep-alive), ${seconds} s each:`)
    console.log('| connections | requests | non-2xx | goodput (2xx/s) | % of capacity | p50 / p99 (all answers) |')
    console.log('| --- | --- | --- | --- | --- | --- |')
    for (const connections of [4, 8, 20, 100]) {
      const row = wrk(agent.port, host, connections, seconds)
      wrkRows.push(row)
      console.log(`| ${connections} | ${row.total} | ${row.non2xx} | ${row.goodput.toFixed(1)} | ${((100 * row.goodput) / capacity).toFixed(0)}% | ${row.p50} / ${row.p99} |`)
      await sleep(FUNCTION.timeout * 1000)
    }
    return { provider, capacity, rows, wrk: wrkRows }
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { provider: { type: 'string' }, seconds: { type: 'string' } } })
  await benchOverload(values)
}
