// Bursts: 500 requests at once to a function scaled to zero (errors, instances started, p50/p99, total
// time), on the docker and the process providers; and CPU-bound load on one instance against two.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { containerPids, startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile, throughput } from './lib/load.mjs'
import { onEachProvider } from './lib/providers.mjs'

const BURST = Number(process.env.BENCH_BURST ?? 500)
const duration = Number(process.env.BENCH_DURATION ?? 5)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const sleep = ms => new Promise(r => setTimeout(r, ms))

/** Burst targets: one that fits the burst (50 × 10 = 500 slots), one that must queue (10 × 3 = 30 slots). */
const BURST_FUNCTIONS = {
  fits: { concurrency: 50, maxInstances: 10 },
  // A queue long enough for the whole burst (the default, 10 per slot, would turn 200 away with 429/503).
  queues: { concurrency: 10, maxInstances: 3, queue: { maxWaiting: 1000 } },
}
/** CPU-bound: 8 connections need two instances of 4; `cpu1` may start only one. */
const CPU_FUNCTIONS = {
  cpu1: { concurrency: 4, maxInstances: 1 },
  cpu2: { concurrency: 4, maxInstances: 2 },
}
const CPU_CONNECTIONS = 8
/** Sustained overload: far more connections than slots, with a timeout short enough that most wait past it. */
const OVERLOAD = { name: 'overload', config: { concurrency: 4, maxInstances: 1, timeout: 0.5 }, connections: 200 }

// Each instance prints one line when it loads (the logs count starts) and names itself in answers.
const ioBound = `const instance = Math.random().toString(36).slice(2)
console.log('booted', instance)
export default async () => {
  await new Promise(resolve => setTimeout(resolve, 50))
  return { instance }
}
`
// A fixed amount of work per request (not a timed spin: on a busy machine that would measure the clock).
const cpuBound = `export default () => {
  let x = 0
  for (let i = 0; i < 3_000_000; i++) x += Math.sqrt(i)
  return { x }
}
`

function burstProject() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-burst-'))
  const functions = { ...BURST_FUNCTIONS, ...CPU_FUNCTIONS, [OVERLOAD.name]: OVERLOAD.config }
  for (const name of Object.keys(functions)) {
    mkdirSync(join(dir, 'functions', name), { recursive: true })
    writeFileSync(join(dir, 'functions', name, 'index.ts'), name.startsWith('cpu') ? cpuBound : ioBound)
  }
  writeFileSync(join(dir, 'lambda.config.ts'), `import { defineConfig } from 'mini-lambda'\nexport default defineConfig({ functions: ${JSON.stringify(functions)} })\n`)
  return dir
}

/** `count` requests at once, each on its own connection; statuses, latencies and the instances that answered. */
async function burst(port, host, count) {
  const started = performance.now()
  const results = await Promise.all(Array.from({ length: count }, () => new Promise((resolve) => {
    const sent = performance.now()
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => {
        let instance
        try {
          instance = JSON.parse(body).instance
        }
        catch {}
        resolve({ status: res.statusCode, ms: performance.now() - sent, instance })
      })
    })
    req.on('error', error => resolve({ status: error.code ?? 'error', ms: performance.now() - sent }))
    req.end()
  })))
  const totalMs = performance.now() - started
  const statuses = {}
  for (const { status } of results) statuses[status] = (statuses[status] ?? 0) + 1
  const ms = results.map(r => r.ms)
  return {
    totalMs,
    statuses,
    errors: results.filter(r => r.status !== 200).length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    answeredBy: new Set(results.map(r => r.instance).filter(Boolean)).size,
  }
}

/** Instances that loaded `fn`, from their `booted` line in `lambda logs`. */
function instancesStarted(agent, cwd, fn) {
  const { output } = timedCli(['logs', fn, '--json', '--tail', '10000'], { cwd, env: agent.env })
  const started = new Set()
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue
    const entry = JSON.parse(line)
    if (entry.type === 'output' && entry.message.startsWith('booted')) started.add(entry.instance)
  }
  return started.size
}

/** Host pids of the function's running instances: the agent's children, or the containers' processes. */
function instancePids(agent, provider, fn) {
  if (provider === 'process') return execFileSync('ps', ['--ppid', String(agent.pid), '-o', 'pid='], { encoding: 'utf8' }).split('\n').map(Number).filter(Boolean)
  return containerPids(agent.agentId, fn)
}

/** CPU seconds (user + system) each process has used so far. */
function cpuSeconds(pids) {
  return pids.map((pid) => {
    try {
      // Fields after the command (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return (Number(fields[11]) + Number(fields[12])) / 100
    }
    catch {
      return 0
    }
  })
}

/** Throughput of a CPU-bound function, and how many cores its instances kept busy meanwhile. */
async function cpuRound(agent, provider, name) {
  const target = { url: `http://127.0.0.1:${agent.port}`, host: `${name}.localhost:${agent.port}`, connections: CPU_CONNECTIONS }
  // Warm: the instances the load needs are started before they are measured.
  await throughput({ ...target, duration: 1, warmup: 0 })
  const pids = instancePids(agent, provider, name)
  const cpuBefore = cpuSeconds(pids)
  const started = performance.now()
  const measured = await throughput({ ...target, duration, warmup: 0 })
  const seconds = (performance.now() - started) / 1000
  // Per process; the process provider's idle spare and other functions' instances use next to nothing.
  const perInstance = cpuSeconds(pids).map((cpu, i) => (cpu - cpuBefore[i]) / seconds).filter(cores => cores >= 0.01)
  return { ...measured, cores: perInstance.reduce((a, b) => a + b, 0), perInstance }
}

async function untilScaledToZero(agent, fn) {
  for (;;) {
    const body = await new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port: agent.port, path: `/_lambda/functions/${fn}`, headers: { authorization: `Bearer ${agent.key}` }, agent: false }, (res) => {
        let text = ''
        res.on('data', (d) => { text += d })
        res.on('end', () => resolve(JSON.parse(text)))
      }).on('error', reject).end()
    })
    if (body.instances === 0) return
    await sleep(100)
  }
}

async function benchProvider(provider) {
  const project = burstProject()
  // Idle instances stop after 2 s, so each burst starts from zero; CPU rounds keep theirs busy.
  const agent = await startAgent({ provider, idleTimeout: 2 })
  const results = { provider, bursts: {}, cpu: { cpu1: [], cpu2: [] } }
  try {
    timedCli(['deploy'], { cwd: project, env: agent.env })
    for (const name of Object.keys(BURST_FUNCTIONS)) {
      await untilScaledToZero(agent, name)
      // The deploy started one to check it serves: only starts after this count.
      const before = instancesStarted(agent, project, name)
      const measured = await burst(agent.port, `${name}.localhost:${agent.port}`, BURST)
      await sleep(500)
      results.bursts[name] = { ...measured, started: instancesStarted(agent, project, name) - before }
    }
    // Overload: past the timeout requests get 504, and the instance stays (it is not stuck, the queue is long).
    // Warm first: only replacements are counted (the timeout is shorter than a cold start on a busy machine).
    for (let tries = 0; tries < 20; tries++) {
      if ((await burst(agent.port, `${OVERLOAD.name}.localhost:${agent.port}`, 1)).errors === 0) break
    }
    const before = instancesStarted(agent, project, OVERLOAD.name)
    const overload = await throughput({ url: `http://127.0.0.1:${agent.port}`, host: `${OVERLOAD.name}.localhost:${agent.port}`, connections: OVERLOAD.connections, duration, warmup: 0 })
    results.overload = { ...overload, started: instancesStarted(agent, project, OVERLOAD.name) - before }
    for (let round = 0; round < rounds; round++) {
      // Alternated, so whatever else the machine does falls on both alike.
      for (const name of round % 2 === 0 ? ['cpu1', 'cpu2'] : ['cpu2', 'cpu1']) {
        results.cpu[name].push(await cpuRound(agent, provider, name))
      }
    }
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }
  return results
}

function report({ provider, bursts, cpu, overload }) {
  console.log(`\n## burst (${provider} provider): ${BURST} requests at once to a function scaled to zero, 50 ms each`)
  for (const [name, b] of Object.entries(bursts)) {
    const { concurrency, maxInstances } = BURST_FUNCTIONS[name]
    console.log(`${name} (concurrency ${concurrency} × maxInstances ${maxInstances}): errors ${b.errors} (target 0) ${JSON.stringify(b.statuses)} | instances started ${b.started}, answered by ${b.answeredBy} (target ≤ ${Math.min(maxInstances, Math.ceil(BURST / concurrency))}) | p50 ${fmt.ms(b.p50)} p99 ${fmt.ms(b.p99)} | all answered in ${fmt.ms(b.totalMs)}`)
  }
  const { concurrency, timeout } = OVERLOAD.config
  const answered = overload.statusCodes['200']?.count ?? 0
  const otherFailures = overload.failed - (overload.statusCodes['504']?.count ?? 0) - (overload.statusCodes['429']?.count ?? 0)
  console.log(`sustained overload, ${OVERLOAD.connections} connections for ${duration} s to ${concurrency} slots of 50 ms, ${timeout} s timeout: ${answered} answered (at most ${Math.floor(duration * concurrency / 0.05)}), the rest turned away (429) or 504 ${JSON.stringify(overload.statusCodes)}${otherFailures ? `, other failures ${otherFailures}` : ''} | instances started ${overload.started} (target 0: waiting requests do not get the instance replaced)`)
  const rps = name => percentile(cpu[name].map(r => r.rps), 50)
  const cores = name => `${percentile(cpu[name].map(r => r.cores), 50).toFixed(2)} cores, last round ${cpu[name].at(-1).perInstance.map(c => c.toFixed(2)).join(' + ')}`
  const failed = [...cpu.cpu1, ...cpu.cpu2].reduce((sum, r) => sum + r.failed, 0)
  console.log(`CPU-bound, ${CPU_CONNECTIONS} connections, concurrency 4: maxInstances 1 ${fmt.rps(rps('cpu1'))} (instances busy ${cores('cpu1')}) | maxInstances 2 ${fmt.rps(rps('cpu2'))} (${cores('cpu2')}) | ${fmt.ratio(rps('cpu2') / rps('cpu1'))} (target ≥ 1.50× on 2 cores)${failed ? ` | failed requests ${failed}` : ''} [rounds, req/s: ${cpu.cpu1.map((r, i) => `${Math.round(r.rps)}/${Math.round(cpu.cpu2[i].rps)}`).join(', ')}]`)
}

export function benchBurst() {
  return onEachProvider(benchProvider, report)
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBurst()
