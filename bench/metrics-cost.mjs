// The cost of counting: gateway throughput with metrics on vs off, side by side in one run
// (the same function, two agents, alternating rounds so a noisy machine affects both alike).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile, throughput } from './lib/load.mjs'

const duration = Number(process.env.BENCH_DURATION ?? 3)
const rounds = Number(process.env.BENCH_ROUNDS ?? 8)

/**
 * What is measured against what: the first variant is the baseline. Observability that listens to
 * invocations (logs, metrics) adds its flag to `off`.
 */
export const VARIANTS = [
  { name: 'off', args: ['--no-metrics'] },
  { name: 'on', args: [], scrape: true },
]

/** As Prometheus would, only more often (every 5 s instead of 15 s): reading the metrics is part of their cost. */
function scrapeEvery(ms, agent) {
  const scrape = () => fetch(`http://127.0.0.1:${agent.port}/_lambda/metrics`, { headers: { authorization: `Bearer ${agent.key}` } }).then(res => res.text()).catch(() => {})
  void scrape()
  const timer = setInterval(scrape, ms)
  return () => clearInterval(timer)
}

function helloProject() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'))
  mkdirSync(join(dir, 'functions/hello'), { recursive: true })
  writeFileSync(join(dir, 'functions/hello/index.ts'), 'export default () => ({ message: \'Hello, World!\' })\n')
  return dir
}

export async function benchMetricsCost() {
  const project = helloProject()
  const agents = []
  const results = Object.fromEntries(VARIANTS.map(v => [v.name, []]))
  try {
    for (const variant of VARIANTS) {
      // The process provider: the gateway is what is measured, not Docker.
      const agent = await startAgent({ provider: 'process', extraArgs: variant.args })
      agents.push({ variant, agent })
      timedCli(['deploy'], { cwd: project, env: agent.env })
    }
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order = round % 2 === 0 ? agents : [...agents].reverse()
      for (const { variant, agent } of order) {
        const stopScraping = variant.scrape ? scrapeEvery(5000, agent) : () => {}
        const result = await throughput({ url: `http://127.0.0.1:${agent.port}`, host: `hello.localhost:${agent.port}`, duration }).finally(stopScraping)
        if (result.failed > 0) throw new Error(`${result.failed} failed requests with metrics ${variant.name}: ${JSON.stringify(result.statusCodes)}`)
        results[variant.name].push(result.rps)
      }
    }
  }
  finally {
    for (const { agent } of agents) {
      await agent.stop()
      rmSync(agent.dataDir, { recursive: true, force: true })
    }
    rmSync(project, { recursive: true, force: true })
  }

  // Each round's two runs are neighbours in time: their ratio cancels most of the machine's drift.
  const ratio = percentile(results.on.map((on, i) => on / results.off[i]), 50)
  const median = name => percentile(results[name], 50)
  console.log('\n## metrics: gateway throughput with metrics on vs off (hello, warm, process provider, 10 connections)')
  console.log(`off ${fmt.rps(median('off'))} | on ${fmt.rps(median('on'))} (scraped every 5 s) | median ratio of ${rounds} paired rounds ${fmt.ratio(ratio)}: cost ${((1 - ratio) * 100).toFixed(1)}% (target ≤ 5%) [off ${results.off.map(Math.round).join(', ')}] [on ${results.on.map(Math.round).join(', ')}]`)
  return { ...results, ratio }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMetricsCost()
