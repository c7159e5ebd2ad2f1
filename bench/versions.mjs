// Versions: rollback time (command start → the URL answers the old version, with no instance of it
// running) and requests failed while a deploy and a rollback switch versions under steady load.
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { sampleProject, startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile } from './lib/load.mjs'
import { cli } from './lib/processes.mjs'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const sleep = ms => new Promise(r => setTimeout(r, ms))
const hello = text => `export default () => ({ message: ${JSON.stringify(text)} })\n`

function get(port, host, agent) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    }).on('error', reject).end()
  })
}

/** Steady load from `workers` keep-alive clients until stopped; counts what did not answer 200. */
function steadyLoad(port, host, workers = 8) {
  let stopped = false
  const stats = { total: 0, failed: 0, bodies: new Set() }
  const agent = new Agent({ keepAlive: true })
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped) {
      try {
        const res = await get(port, host, agent)
        stats.total++
        if (res.status !== 200) stats.failed++
        else stats.bodies.add(res.body)
      }
      catch {
        stats.total++
        stats.failed++
      }
    }
  })
  const stop = async () => {
    stopped = true
    await Promise.all(loops)
    agent.destroy()
  }
  return { stats, stop }
}

function runCli(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: 'ignore' })
    child.on('exit', code => code === 0 ? resolve() : reject(new Error(`lambda ${args.join(' ')} exited ${code}`)))
  })
}

export async function benchVersions() {
  const project = sampleProject()
  const agent = await startAgent({ idleTimeout: 1 })
  const host = `hello.localhost:${agent.port}`
  const file = join(project, 'functions/hello/index.ts')
  const results = { rollback: [], load: [] }
  try {
    writeFileSync(file, hello('version-1'))
    timedCli(['deploy'], { cwd: project, env: agent.env })
    writeFileSync(file, hello('version-2'))
    timedCli(['deploy'], { cwd: project, env: agent.env })

    // Rollback time, alternating between v1 and v2; the target never has a running instance.
    let target = 1
    for (let i = 0; i < rounds; i++) {
      const expected = `version-${target}`
      // Idle timeout is 1 s: by now no instance of the target (or of anything) runs.
      await sleep(1500)
      const started = performance.now()
      const rollback = runCli(['rollback', 'hello', String(target)], agent.env)
      for (;;) {
        const res = await get(agent.port, host)
        if (res.body.includes(expected)) break
        await sleep(2)
      }
      results.rollback.push({ ms: performance.now() - started })
      await rollback
      target = target === 1 ? 2 : 1
    }

    // Steady load across a deploy and a rollback.
    for (const [what, action] of [
      ['deploy', async () => { writeFileSync(file, hello('version-3')); timedCli(['deploy', '--only', 'hello'], { cwd: project, env: agent.env }) }],
      ['rollback', () => runCli(['rollback', 'hello'], agent.env)],
    ]) {
      const load = steadyLoad(agent.port, host)
      await sleep(500)
      await action()
      await sleep(500)
      await load.stop()
      results.load.push({ what, total: load.stats.total, failed: load.stats.failed, versions: load.stats.bodies.size })
    }
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }

  const times = results.rollback.map(r => r.ms)
  console.log('\n## versions: rollback and switches under load (docker provider)')
  console.log(`rollback, command start → URL answers the old version, which had no running instance: p50 ${fmt.ms(percentile(times, 50))}, max ${fmt.ms(Math.max(...times))} (target ≤ 1000 ms) [${times.map(n => n.toFixed(0)).join(', ')}]`)
  for (const load of results.load) console.log(`steady load (8 keep-alive clients) across a ${load.what}: ${load.total} requests, ${load.failed} failed (target 0), ${load.versions} versions answered`)
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchVersions()
