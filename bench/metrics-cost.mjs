// The cost of counting: gateway throughput with metrics on vs off, side by side in one run.
// Same function, agents of each variant started alike, each pair loaded at the same time (so a noisy
// machine affects both alike, and the cheaper one gets more of the CPU they share); several agents per
// variant, since two Node processes of the same code differ by a few percent on their own.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile, throughput } from './lib/load.mjs'
import { repoRoot } from './lib/processes.mjs'

const duration = Number(process.env.BENCH_DURATION ?? 3)
const rounds = Number(process.env.BENCH_ROUNDS ?? 6)
const agentsPerVariant = Number(process.env.BENCH_AGENTS ?? 2)

/**
 * What is measured against what: `off` is the baseline. Both run without logs (`bench/logs.mjs` has its
 * own figures), so the difference is the metrics alone. BENCH_SCRAPE=0: `on` is never scraped.
 * BENCH_AA=1: `off` against `off`, to see how far apart two identical variants land on this machine.
 */
export const VARIANTS = {
  off: { args: ['--no-metrics', '--no-logs'] },
  on: process.env.BENCH_AA ? { args: ['--no-metrics', '--no-logs'] } : { args: ['--no-logs'], scrape: process.env.BENCH_SCRAPE !== '0' },
}

/** As Prometheus would, only more often (every 5 s instead of 15 s): reading the metrics is part of their cost. */
function scrapeEvery(ms, agent) {
  const scrape = () => fetch(`http://127.0.0.1:${agent.port}/_lambda/metrics`, { headers: { authorization: `Bearer ${agent.key}` } }).then(res => res.text()).catch(() => {})
  void scrape()
  const timer = setInterval(scrape, ms)
  return () => clearInterval(timer)
}

/** CPU time (user + system, ms) the agent's own process has used: its share of the machine, whatever else runs. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function helloProject() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'))
  mkdirSync(join(dir, 'functions/hello'), { recursive: true })
  writeFileSync(join(dir, 'functions/hello/index.ts'), 'export default () => ({ message: \'Hello, World!\' })\n')
  return dir
}

async function startVariant(name, project) {
  // The process provider: the gateway is what is measured, not Docker.
  const agent = await startAgent({ provider: 'process', extraArgs: VARIANTS[name].args })
  timedCli(['deploy'], { cwd: project, env: agent.env })
  // Until the JIT has settled (and, when scraped, prom-client is loaded): the first seconds cost several times more CPU per request.
  const stopScraping = VARIANTS[name].scrape ? scrapeEvery(1000, agent) : () => {}
  await throughput({ url: `http://127.0.0.1:${agent.port}`, host: `hello.localhost:${agent.port}`, duration: 4, warmup: 0 }).finally(stopScraping)
  return agent
}

/** One loaded run: requests/s, and the agent's CPU µs per request. */
async function measure(name, agent) {
  const stopScraping = VARIANTS[name].scrape ? scrapeEvery(5000, agent) : () => {}
  const cpuBefore = cpuMs(agent.pid)
  const result = await throughput({ url: `http://127.0.0.1:${agent.port}`, host: `hello.localhost:${agent.port}`, duration, warmup: 0 }).finally(stopScraping)
  if (result.failed > 0) throw new Error(`${result.failed} failed requests with metrics ${name}: ${JSON.stringify(result.statusCodes)}`)
  return { rps: result.rps, cpuUs: (cpuMs(agent.pid) - cpuBefore) * 1000 / result.total }
}

/**
 * The counting alone, without HTTP around it: the agent's invocation listener, bundled from src as the
 * agent bundles it, called in a loop with a fresh duration each time. Steady where the machine is not.
 */
async function listenerNs() {
  const bundled = await build({ entryPoints: [join(repoRoot, 'src/agent/metrics/metrics-store.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent' })
  const { MetricsStore } = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`)
  const store = new MetricsStore()
  const record = { function: 'hello', version: '1', requestId: 'r', method: 'GET', path: '/', status: 200, durationMs: 1, coldStart: false }
  const samples = []
  for (let round = 0; round < 5; round++) {
    const n = 1_000_000
    const started = performance.now()
    for (let i = 0; i < n; i++) {
      record.durationMs = (i % 5000) / 10
      store.onInvocation(record)
    }
    samples.push((performance.now() - started) * 1e6 / n)
  }
  return percentile(samples, 50)
}

export async function benchMetricsCost() {
  const project = helloProject()
  const pairs = []
  const runs = { off: [], on: [] }
  try {
    // The agent started second in a pair shows a few percent more CPU per request even against an
    // identical one (BENCH_AA=1): the pairs alternate which variant starts first.
    for (let i = 0; i < agentsPerVariant; i++) {
      const pair = {}
      for (const name of i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) pair[name] = await startVariant(name, project)
      pairs.push(pair)
    }
    for (let round = 0; round < rounds; round++) {
      for (const pair of pairs) {
        // Both at once: whatever else the machine does at that moment, both see it.
        const [off, on] = await Promise.all([measure('off', pair.off), measure('on', pair.on)])
        runs.off.push(off)
        runs.on.push(on)
      }
    }
  }
  finally {
    for (const agent of pairs.flatMap(pair => [pair.off, pair.on])) {
      await agent.stop()
      rmSync(agent.dataDir, { recursive: true, force: true })
    }
    rmSync(project, { recursive: true, force: true })
  }

  // The two runs of a pair share the same moment: their ratio cancels the machine's drift.
  const pairRatios = key => runs.on.map((on, i) => on[key] / runs.off[i][key])
  const ratio = percentile(pairRatios('rps'), 50)
  const cpuRatio = percentile(pairRatios('cpuUs'), 50)
  const median = (name, key) => percentile(runs[name].map(run => run[key]), 50)
  const list = (name, key, digits = 0) => runs[name].map(run => run[key].toFixed(digits)).join(', ')
  console.log(`\n## metrics: gateway throughput with metrics on vs off (hello, warm, process provider, 10 connections each, both of a pair at once; ${runs.on.length} pairs of ${duration} s runs on ${agentsPerVariant} agents per variant)`)
  console.log(`throughput: off ${fmt.rps(median('off', 'rps'))} | on ${fmt.rps(median('on', 'rps'))}${VARIANTS.on.scrape ? ' (scraped every 5 s)' : ''} | median pair ratio ${fmt.ratio(ratio)}: cost ${((1 - ratio) * 100).toFixed(1)}% (target ≤ 5%) [off ${list('off', 'rps')}] [on ${list('on', 'rps')}]`)
  // The agent's CPU per request depends less on what else the machine runs: a steadier view of the same cost.
  console.log(`agent CPU per request: off ${median('off', 'cpuUs').toFixed(1)} µs | on ${median('on', 'cpuUs').toFixed(1)} µs | median pair ratio ${fmt.ratio(cpuRatio)} [off ${list('off', 'cpuUs')}] [on ${list('on', 'cpuUs')}]`)
  const ns = await listenerNs()
  console.log(`the counting alone (the invocation listener, in a loop): ${ns.toFixed(0)} ns per invocation, ${(ns / 10 / median('off', 'cpuUs')).toFixed(2)}% of the gateway's CPU per request`)
  const spread = key => pairRatios(key).map(r => r.toFixed(2)).join(', ')
  console.log(`pair ratios (on/off), to judge the noise: throughput [${spread('rps')}] | CPU per request [${spread('cpuUs')}]`)
  return { runs, ratio, cpuRatio, listenerNs: ns }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMetricsCost()
