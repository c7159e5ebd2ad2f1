// Logs: latency from a function's console.log to the line arriving on `lambda logs --follow`'s stdout
// (the real CLI, following over the admin API), for each provider: the docker provider reads the
// container's output through the Docker logs API, the process provider from the child's pipes.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile } from './lib/load.mjs'
import { cli } from './lib/processes.mjs'

const rounds = Number(process.env.BENCH_LOG_ROUNDS ?? 50)
const sleep = ms => new Promise(r => setTimeout(r, ms))

// The function stamps each line with the moment it printed it (same machine, same clock as this process).
const marker = `export default (request: Request) => {
  const n = new URL(request.url).searchParams.get('n')
  console.log('bench-mark ' + n + ' ' + Date.now())
  return 'ok'
}
`

function get(port, host, path) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', reject).end()
  })
}

/** `lambda logs <fn> --follow --json` as a user runs it; resolves each mark's arrival time. */
function follow(env, fn) {
  const child = spawn(process.execPath, [cli, 'logs', fn, '--follow', '--json', '--tail', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  const waiting = new Map()
  let pending = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    const now = Date.now()
    pending += chunk
    let newline
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      const match = /"message":"bench-mark (-?\d+) (\d+)"/.exec(line)
      if (!match) continue
      waiting.get(match[1])?.(now - Number(match[2]))
      waiting.delete(match[1])
    }
  })
  return {
    arrival: n => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mark ${n} never arrived`)), 10_000)
      waiting.set(String(n), (ms) => {
        clearTimeout(timer)
        resolve(ms)
      })
    }),
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve)
      child.kill('SIGINT')
    }),
  }
}

async function measure(provider) {
  const project = mkdtempSync(join(tmpdir(), 'bench-logs-'))
  mkdirSync(join(project, 'functions/marker'), { recursive: true })
  writeFileSync(join(project, 'functions/marker/index.ts'), marker)
  writeFileSync(join(project, 'lambda.config.ts'), 'export default {}\n')
  const agent = await startAgent({ provider })
  const host = `marker.localhost:${agent.port}`
  const latencies = []
  try {
    timedCli(['deploy'], { cwd: project, env: agent.env })
    const follower = follow(agent.env, 'marker')
    // Until the follower is live, a mark may be printed before it listens: wait for one to arrive.
    for (let n = -1; ; n--) {
      if (n < -15) throw new Error('lambda logs --follow showed none of 15 lines in 30 s')
      const arrived = follower.arrival(n).then(() => true, () => false)
      await get(agent.port, host, `/?n=${n}`)
      if (await Promise.race([arrived, sleep(2000).then(() => false)])) break
    }
    for (let n = 0; n < rounds; n++) {
      const arrived = follower.arrival(n)
      await get(agent.port, host, `/?n=${n}`)
      latencies.push(await arrived)
      await sleep(20)
    }
    await follower.stop()
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }
  return latencies
}

export async function benchLogs() {
  const results = {}
  for (const provider of ['docker', 'process']) results[provider] = await measure(provider)
  console.log('\n## logs: console.log → `lambda logs --follow` stdout')
  for (const [provider, ms] of Object.entries(results)) {
    console.log(`${provider.padEnd(7)} (${provider === 'docker' ? 'Docker logs API' : 'child pipes'}): p50 ${fmt.ms(percentile(ms, 50))}, p95 ${fmt.ms(percentile(ms, 95))}, max ${fmt.ms(Math.max(...ms))} over ${ms.length} lines (target p50 ≤ 100 ms)`)
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLogs()
