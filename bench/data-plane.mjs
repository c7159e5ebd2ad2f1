// The data plane, side by side in one run: bare node:http, the agent, `lambda dev`, nginx in front of
// the runtime (the "fast proxy" floor) and serverless-offline, all answering `hello`'s body, measured
// in alternating rounds so drift on a shared machine hits every target alike.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { containerPids, sampleProject, startAgent, timedCli } from './lib/agent.mjs'
import { childrenOf } from './lib/cpu.mjs'
import { fmt, latency, throughput } from './lib/load.mjs'
import { hasNginx, startNginx } from './lib/nginx.mjs'
import { startServerlessOffline, untilAnswers } from './lib/peers.mjs'
import { cli, freePort, repoRoot, startProcess } from './lib/processes.mjs'
import { chosenProvider } from './lib/providers.mjs'

const duration = Number(process.env.BENCH_DURATION ?? 5)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const TARGET_RATIO = 0.30
const TARGET_ADDED_MS = 0.3

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The runtime run by hand, serving `hello` over HTTP on a unix socket: what nginx proxies to. */
async function startRuntimeOnSocket(dir) {
  const bundle = join(dir, 'hello.mjs')
  await build({ entryPoints: [join(repoRoot, 'functions/hello/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'error' })
  const socketPath = join(dir, 'fn.sock')
  const runtime = await startProcess(process.execPath, [join(repoRoot, 'runtime/bootstrap.mjs')], { env: { LAMBDA_SOCKET: socketPath, LAMBDA_HANDLER: bundle, LAMBDA_FUNCTION_NAME: 'hello' } })
  while (!existsSync(socketPath)) await new Promise(r => setTimeout(r, 10))
  return { socketPath, pid: runtime.child.pid, stop: runtime.stop }
}

// BENCH_ONLY=agent,dev: just those (bare always runs: every figure is a ratio to it).
const only = process.env.BENCH_ONLY?.split(',')
const wanted = key => !only || only.includes(key)

export async function benchDataPlane() {
  const work = mkdtempSync(join(tmpdir(), 'bench-data-plane-'))
  const provider = chosenProvider()
  const notices = []
  const stops = []
  const targets = []
  let devOutput = ''
  try {
    const barePort = await freePort()
    const bare = await startProcess(process.execPath, [join(repoRoot, 'bench/bare-server.mjs')], { ready: /bare server/, env: { PORT: String(barePort) } })
    stops.push(bare.stop)
    targets.push({ name: 'bare node:http', key: 'bare', url: `http://127.0.0.1:${barePort}`, port: barePort, pids: () => [bare.child.pid] })

    const project = sampleProject()
    stops.push(() => rmSync(project, { recursive: true, force: true }))
    if (wanted('agent')) await addAgent()
    if (wanted('dev')) await addDev()
    if (wanted('nginx')) await addNginx()
    if (wanted('sls')) await addServerlessOffline()

    async function addAgent() {
      const agent = await startAgent({ provider, idleTimeout: 3600 })
      stops.push(() => agent.stop().then(() => rmSync(agent.dataDir, { recursive: true, force: true })))
      timedCli(['deploy'], { cwd: project, env: agent.env })
      const agentHost = `hello.localhost:${agent.port}`
      // The agent and its instances: child processes, or the containers' processes as the host sees them.
      const instancePids = () => provider === 'docker'
        ? containerPids(agent.agentId, 'hello').flatMap(pid => [pid, ...childrenOf(pid)])
        : childrenOf(agent.pid)
      targets.push({ name: `agent (${provider})`, key: 'agent', url: `http://127.0.0.1:${agent.port}`, port: agent.port, host: agentHost, target: true, pids: () => [agent.pid, ...instancePids()] })
    }

    async function addDev() {
      const devPort = await freePort()
      const dev = await startProcess(process.execPath, [cli, 'dev', '--port', String(devPort)], { ready: /dev server on/, cwd: project })
      stops.push(() => {
        devOutput = dev.output()
        return dev.stop()
      })
      targets.push({ name: 'lambda dev', key: 'dev', url: `http://127.0.0.1:${devPort}`, port: devPort, host: `hello.localhost:${devPort}`, target: true, pids: () => [dev.child.pid, ...childrenOf(dev.child.pid)] })
    }

    async function addNginx() {
      if (hasNginx()) {
        const runtime = await startRuntimeOnSocket(work)
        stops.push(runtime.stop)
        const nginxPort = await freePort()
        const nginx = await startNginx(nginxPort, runtime.socketPath)
        stops.push(nginx.stop)
        targets.push({ name: 'nginx → runtime (HTTP on LAMBDA_SOCKET)', key: 'nginx', url: `http://127.0.0.1:${nginxPort}`, port: nginxPort, pids: () => [runtime.pid, nginx.pid, ...childrenOf(nginx.pid)] })
      }
      else {
        notices.push('nginx is not installed: the "fast proxy" floor is skipped (apt-get install nginx-light).')
      }
    }

    async function addServerlessOffline() {
      const sls = await startServerlessOffline()
      if (sls.notice) {
        notices.push(`serverless-offline skipped: ${sls.notice}`)
      }
      else {
        stops.push(sls.stop)
        targets.push({ name: `serverless-offline ${sls.mode}`, key: 'sls', url: `http://127.0.0.1:${sls.port}`, port: sls.port, pids: () => [sls.pid, ...childrenOf(sls.pid)] })
      }
    }

    for (const target of targets) {
      if (!(await untilAnswers(`${target.url}/`, 30_000, target.host))) throw new Error(`${target.name} does not answer`)
      target.rps = []
      target.p50 = []
      target.p99 = []
      target.failed = 0
      target.cpu = []
    }
    console.log(`\n## data plane: ${targets.map(t => t.name).join(', ')} — ${rounds} rounds, alternating (${connections} connections for ${duration} s, then 1 connection)`)
    for (let round = 0; round < rounds; round++) {
      // Each round starts with a different target.
      const order = targets.map((_, i) => targets[(i + round) % targets.length])
      for (const target of order) {
        const load = await throughput({ url: target.url, host: target.host, connections, duration, pids: target.pids })
        const lat = await latency({ port: target.port, host: target.host })
        target.rps.push(load.rps)
        target.p50.push(lat.p50)
        target.p99.push(lat.p99)
        target.failed += load.failed
        if (load.cpuUsPerRequest !== undefined) target.cpu.push(load.cpuUsPerRequest)
      }
      console.log(`round ${round + 1}: ${targets.map(t => `${t.key} ${fmt.rps(t.rps.at(-1))}`).join(' | ')}`)
    }
  }
  finally {
    for (const stop of stops.reverse()) await stop()
    rmSync(work, { recursive: true, force: true })
  }

  if (process.env.BENCH_SHOW_DEV_OUTPUT) console.log(devOutput)
  const bare = targets[0]
  const rows = targets.map((target) => {
    // Ratios are taken within a round, then the median across rounds.
    const ratio = median(target.rps.map((rps, i) => rps / bare.rps[i]))
    const added = median(target.p50.map((p50, i) => p50 - bare.p50[i]))
    return { ...target, ratio, added }
  })
  const width = Math.max(...rows.map(r => r.name.length))
  console.log('')
  for (const row of rows) {
    const ratioTarget = row.target ? ` (target ≥ ${TARGET_RATIO.toFixed(2)}× ${row.ratio >= TARGET_RATIO ? 'met' : 'NOT met'})` : ''
    const addedTarget = row.target ? ` (target ≤ ${TARGET_ADDED_MS.toFixed(2)} ms ${row.added <= TARGET_ADDED_MS ? 'met' : 'NOT met'})` : ''
    const throughputText = row === bare ? `${fmt.rps(median(row.rps))}` : `${fmt.rps(median(row.rps))} = ${fmt.ratio(row.ratio)} of bare${ratioTarget}`
    const latencyText = `p50 ${fmt.ms(median(row.p50))}, p99 ${fmt.ms(median(row.p99))}${row === bare ? '' : `, adds ${fmt.ms(row.added)} at p50${addedTarget}`}`
    const cpuText = row.cpu.length > 0 ? ` | CPU ${Math.round(median(row.cpu))} µs/request${row === bare ? '' : ` (${fmt.ratio(median(row.cpu) / median(bare.cpu))} of bare's)`}` : ''
    console.log(`${row.name.padEnd(width)}  ${throughputText} | 1 connection: ${latencyText}${cpuText}${row.failed ? ` | ${row.failed} failed` : ''}`)
  }
  for (const notice of notices) console.log(`note: ${notice}`)
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDataPlane()
