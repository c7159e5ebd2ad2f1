// Asynchronous invocations: how fast the agent accepts calls (202/s) against the synchronous request
// rate of the same function, and how fast 1,000 accepted calls drain against its synchronous throughput.
import { rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { sampleProject, startAgent, timedCli } from './lib/agent.mjs'
import { fmt, throughput } from './lib/load.mjs'

const duration = Number(process.env.BENCH_DURATION ?? 5)
const provider = process.env.BENCH_PROVIDER ?? 'docker'
const DRAIN_CALLS = 1000
const BURST_CONNECTIONS = Number(process.env.BENCH_BURST ?? 100)
const sleep = ms => new Promise(r => setTimeout(r, ms))

function adminGet(agent, path) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: agent.port, path: `/_lambda${path}`, headers: { authorization: `Bearer ${agent.key}` }, agent: false }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve(JSON.parse(body)))
    }).on('error', reject).end()
  })
}

/** Finished invocations of `fn` (succeeded + failed) and those not finished yet. */
async function progress(agent, fn) {
  const { counts } = await adminGet(agent, `/invocations?function=${fn}&status=queued&limit=1`)
  return { done: counts.succeeded + counts.failed, open: counts.queued + counts.running + counts.retrying, failed: counts.failed }
}

async function untilDrained(agent, fn) {
  for (;;) {
    if ((await progress(agent, fn)).open === 0) return
    await sleep(50)
  }
}

/** Sends `count` async calls over `connections` keep-alive connections; resolves with their statuses. */
async function acceptMany(port, host, count, connections = 10) {
  const keepAlive = new Agent({ keepAlive: true, maxSockets: connections })
  const statuses = new Map()
  let next = 0
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < count) {
      next++
      const status = await new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', headers: { 'host': host, 'x-lambda-invocation-type': 'Event' }, agent: keepAlive }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode))
        }).on('error', reject).end()
      })
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
  }))
  keepAlive.destroy()
  return statuses
}

export async function benchAsync() {
  const project = sampleProject()
  const agent = await startAgent({ provider, extraArgs: ['--async-queue-limit', '1000000'] })
  const host = `hello.localhost:${agent.port}`
  const results = {}
  try {
    timedCli(['deploy', '--only', 'hello'], { cwd: project, env: agent.env })
    // Synchronous baseline, then accepting: the same function, client and connection count.
    results.sync = await throughput({ url: `http://127.0.0.1:${agent.port}`, host, duration })
    // No warm-up for accepting: every request of it would be one more call to run.
    results.accept = await throughputAsync(agent.port, host, 10)
    await untilDrained(agent, 'hello')
    results.accept100 = await throughputAsync(agent.port, host, BURST_CONNECTIONS)
    // The accepted calls run meanwhile; let them finish before timing a drain from an empty queue.
    const backlogStarted = performance.now()
    await untilDrained(agent, 'hello')
    results.backlogMs = performance.now() - backlogStarted

    // Drain: 1,000 calls accepted as fast as 10 connections can send them, until the last one has run.
    const start = await progress(agent, 'hello')
    const started = performance.now()
    // Sent over many connections: accepting is group-committed, so a burst is stored in a few writes.
    results.drainStatuses = Object.fromEntries(await acceptMany(agent.port, host, DRAIN_CALLS, BURST_CONNECTIONS))
    results.acceptedAllMs = performance.now() - started
    for (;;) {
      const now = await progress(agent, 'hello')
      if (now.done - start.done >= DRAIN_CALLS) {
        results.drainFailed = now.failed - start.failed
        break
      }
      await sleep(10)
    }
    results.drainMs = performance.now() - started
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }

  const { sync, accept } = results
  const drainRps = DRAIN_CALLS / (results.drainMs / 1000)
  console.log(`\n## async: accepting (202) and draining vs synchronous calls (hello, ${provider} provider, 10 connections)`)
  console.log(`accept rate, 10 connections: ${fmt.rps(accept.rps)} (${accept.total} accepted in ${duration} s, non-202: ${accept.non2xx}) vs synchronous ${fmt.rps(sync.rps)}: ${fmt.ratio(accept.rps / sync.rps)} (target ≥ 0.50×: accepting costs at most 2× a synchronous call); the calls ran meanwhile`)
  console.log(`accept rate, ${BURST_CONNECTIONS} connections: ${fmt.rps(results.accept100.rps)} (${fmt.ratio(results.accept100.rps / sync.rps)} of synchronous at 10): each durable write answers more calls; the backlog left ran in ${fmt.ms(results.backlogMs)} after the load stopped`)
  console.log(`drain of ${DRAIN_CALLS} calls sent at once (${BURST_CONNECTIONS} connections): ${fmt.ms(results.drainMs)} from the first accept to the last completion (all accepted after ${fmt.ms(results.acceptedAllMs)}; statuses ${JSON.stringify(results.drainStatuses)}; failed ${results.drainFailed}) = ${fmt.rps(drainRps)} vs synchronous ${fmt.rps(sync.rps)}: ${fmt.ratio(drainRps / sync.rps)} (target ≥ 0.80×)`)
  return results
}

/** autocannon with the Event header: every answer should be a 202. */
async function throughputAsync(port, host, connections) {
  const { default: autocannon } = await import('autocannon')
  const base = { url: `http://127.0.0.1:${port}`, connections, pipelining: 1, headers: { 'host': host, 'x-lambda-invocation-type': 'Event' } }
  const result = await autocannon({ ...base, duration })
  const accepted = result.statusCodeStats?.['202']?.count ?? 0
  return { rps: accepted / duration, total: accepted, non2xx: result.requests.total - accepted }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAsync()
