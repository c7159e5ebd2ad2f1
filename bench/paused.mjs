// The paused tier: request → first byte for a paused instance, next to a cold start and a warm instance.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile } from './lib/load.mjs'

const rounds = Number(process.env.BENCH_ROUNDS ?? 15)
const sleep = ms => new Promise(r => setTimeout(r, ms))
const HELLO = `export default () => ({ message: 'Hello, World!' })\n`

/** Three copies of one function, differing only in what idleness does to them. */
function pausedProject() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-paused-'))
  for (const name of ['paused', 'cold', 'warm']) {
    execFileSync('mkdir', ['-p', join(dir, 'functions', name)])
    writeFileSync(join(dir, 'functions', name, 'index.ts'), HELLO)
  }
  writeFileSync(join(dir, 'lambda.config.ts'), `export default {
  functions: {
    paused: { idle: { pauseAfter: '200ms' } },
    cold: { idle: { pauseAfter: false, stopAfter: '500ms' } },
    warm: { idle: { pauseAfter: false } },
  },
}
`)
  return dir
}

/** Time from sending a request to its first byte (the response head), in ms. */
function firstByte(port, fn) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    request({ host: '127.0.0.1', port, path: '/', headers: { host: `${fn}.localhost:${port}` }, agent: false }, (res) => {
      const ms = performance.now() - started
      res.resume()
      res.on('end', () => (res.statusCode === 200 ? resolve(ms) : reject(new Error(`${fn} answered ${res.statusCode}`))))
    }).on('error', reject).end()
  })
}

async function describe(agent, fn) {
  const res = await fetch(`http://127.0.0.1:${agent.port}/_lambda/functions/${fn}`, { headers: { authorization: `Bearer ${agent.key}` } })
  return res.json()
}

async function until(what, probe, ok, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
    await sleep(25)
  }
}

async function measure(provider) {
  const project = pausedProject()
  const agent = await startAgent({ provider })
  const samples = { warm: [], paused: [], cold: [] }
  let pausedMemory
  try {
    timedCli(['deploy'], { cwd: project, env: agent.env })
    for (const fn of ['paused', 'cold', 'warm']) await firstByte(agent.port, fn)
    // Each round: the three tiers one after another, so the machine's noise hits all three alike.
    for (let i = 0; i < rounds; i++) {
      await firstByte(agent.port, 'warm')
      samples.warm.push(await firstByte(agent.port, 'warm'))

      const paused = await until('paused to pause', () => describe(agent, 'paused'), f => f.paused === 1 && f.instances === 1)
      pausedMemory ??= paused.pausedMemoryBytes
      samples.paused.push(await firstByte(agent.port, 'paused'))

      await until('cold to stop', () => describe(agent, 'cold'), f => f.instances === 0)
      samples.cold.push(await firstByte(agent.port, 'cold'))
    }
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }
  return { samples, pausedMemory }
}

/** `docker pause` / `docker unpause` API calls alone on an idle container of the runtime image: the floor of a resume. */
async function freezerFloor() {
  const image = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=mini-lambda/runtime'], { encoding: 'utf8' }).split('\n').find(Boolean)
  if (!image) return undefined
  const id = execFileSync('docker', ['run', '-d', '--rm', '--network', 'none', '--label', 'mini-lambda.bench=1', '--entrypoint', 'node', image, '-e', 'setInterval(() => {}, 1e9)'], { encoding: 'utf8' }).trim()
  const call = action => new Promise((resolve, reject) => {
    const started = performance.now()
    request({ socketPath: '/var/run/docker.sock', method: 'POST', path: `/containers/${id}/${action}` }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode < 300 ? resolve(performance.now() - started) : reject(new Error(`${action}: ${res.statusCode}`))))
    }).on('error', reject).end()
  })
  const unpause = []
  try {
    for (let i = 0; i < rounds; i++) {
      await call('pause')
      await sleep(50)
      unpause.push(await call('unpause'))
    }
  }
  finally {
    execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' })
  }
  return unpause
}

const line = values => `p50 ${fmt.ms(percentile(values, 50))} p99 ${fmt.ms(percentile(values, 99))}`
const raw = values => values.map(v => v.toFixed(0)).join(', ')

export async function benchPaused() {
  const providers = ['docker', 'process']
  const docker = (() => {
    try {
      execFileSync('docker', ['info'], { stdio: 'ignore' })
      return true
    }
    catch {
      return false
    }
  })()
  console.log(`\n## paused: request → first byte of a paused instance, next to a cold start and a warm instance (hello, ${rounds} rounds, tiers alternated)`)
  for (const provider of providers) {
    if (provider === 'docker' && !docker) {
      console.log('docker: skipped (no Docker engine answers)')
      continue
    }
    const { samples, pausedMemory } = await measure(provider)
    const paused = percentile(samples.paused, 50)
    console.log(`${provider}: paused ${line(samples.paused)} (target p50 ≤ 50 ms${paused <= 50 ? ', met' : ', missed'}) | cold ${line(samples.cold)} | warm ${line(samples.warm)} | paused/cold p50 ${fmt.ratio(paused / percentile(samples.cold, 50))}`)
    console.log(`  samples ms: paused [${raw(samples.paused)}] cold [${raw(samples.cold)}] warm [${raw(samples.warm)}]`)
    if (pausedMemory !== undefined) console.log(`  memory a paused instance holds: ${(pausedMemory / 1048576).toFixed(1)} MB (${provider === 'docker' ? 'cgroup usage less inactive page cache, as docker stats' : 'resident set, /proc/<pid>/statm'})`)
    if (provider === 'docker') {
      const floor = await freezerFloor()
      if (floor) console.log(`  the floor: Docker's unpause API call alone ${line(floor)} [${raw(floor)}]`)
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPaused()
