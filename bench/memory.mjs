// Memory: the agent's resident set with 50 functions deployed and scaled to zero, and one instance's
// resident set against a bare Node process answering the same hello on a unix socket.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { containerPids, startAgent, timedCli } from './lib/agent.mjs'
import { percentile } from './lib/load.mjs'
import { onEachProvider } from './lib/providers.mjs'

const FUNCTIONS = Number(process.env.BENCH_FUNCTIONS ?? 50)
const REQUESTS = 500
const sleep = ms => new Promise(r => setTimeout(r, ms))
const mb = bytes => `${(bytes / 1024 / 1024).toFixed(1)} MB`

/** Resident set of a process, in bytes (VmRSS of /proc/<pid>/status). */
function rss(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find(l => l.startsWith('VmRSS:'))
  return Number(line.split(/\s+/)[1]) * 1024
}

/** The median of a few readings a moment apart: RSS moves with every GC. */
async function steadyRss(pid, samples = 5) {
  const readings = []
  for (let i = 0; i < samples; i++) {
    readings.push(rss(pid))
    await sleep(200)
  }
  return percentile(readings, 50)
}

const HELLO_BODY = JSON.stringify({ message: 'Hello, World!' })

function manyFunctionsProject() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'))
  for (let i = 1; i <= FUNCTIONS; i++) {
    const name = `fn${String(i).padStart(2, '0')}`
    mkdirSync(join(dir, 'functions', name), { recursive: true })
    // The pid lets the bench find the instance (a container's pid is its own; the bench asks Docker).
    writeFileSync(join(dir, 'functions', name, 'index.ts'), `export default (request: Request) => new URL(request.url).pathname === '/pid' ? { pid: process.pid } : { message: 'Hello, World!' }\n`)
  }
  return dir
}

function get({ port, host, socketPath, path = '/', agent, key }) {
  const headers = { ...(host ? { host } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) }
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, socketPath, path, headers, agent }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve(body))
    }).on('error', reject).end()
  })
}

/** The same number of keep-alive requests to each target, so both have served alike before they are measured. */
async function exercise(target) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  for (let i = 0; i < REQUESTS; i += 4) await Promise.all([0, 1, 2, 3].map(() => get({ ...target, agent })))
  agent.destroy()
}

async function untilScaledToZero(agent) {
  for (;;) {
    const { functions } = JSON.parse(await get({ port: agent.port, path: '/_lambda/functions', agent: false, key: agent.key }))
    if (functions.every(f => f.instances === 0)) return
    await sleep(200)
  }
}

/**
 * A bare node:http server answering the same JSON on a unix socket; `webRequest`: it also builds the
 * web `Request` a web-standard function is handed, which loads Node's fetch implementation (undici).
 */
async function bareNode({ webRequest = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bare-'))
  const socketPath = join(dir, 'bare.sock')
  const build = webRequest ? `new Request('http://localhost' + req.url, { method: req.method, headers: req.headers }); ` : ''
  const source = `require('node:http').createServer((req, res) => { ${build}res.setHeader('content-type', 'application/json'); res.end(${JSON.stringify(HELLO_BODY)}) }).listen(${JSON.stringify(socketPath)})`
  const child = spawn(process.execPath, ['-e', source], { stdio: 'ignore' })
  while (!existsSync(socketPath)) await sleep(10)
  return {
    pid: child.pid,
    socketPath,
    stop: async () => {
      child.kill('SIGKILL')
      await new Promise(resolve => child.once('exit', resolve))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The host pid of the instance serving `host`: the function's own for a process, the container's for Docker. */
async function instancePid(agent, provider, host) {
  const pid = JSON.parse(await get({ port: agent.port, host, path: '/pid' })).pid
  if (provider === 'process') return pid
  return containerPids(agent.agentId, 'fn01')[0]
}

async function benchProvider(provider) {
  const project = manyFunctionsProject()
  const agent = await startAgent({ provider, idleTimeout: 1, extraArgs: ['--no-logs'] })
  try {
    await sleep(1000)
    const empty = await steadyRss(agent.pid)
    const deploy = timedCli(['deploy'], { cwd: project, env: agent.env })
    // Each deploy started one instance to check it serves; they stop after the idle timeout.
    await sleep(1500)
    await untilScaledToZero(agent)
    await sleep(2000)
    const idle = await steadyRss(agent.pid)

    const host = `fn01.localhost:${agent.port}`
    await exercise({ port: agent.port, host })
    const pid = await instancePid(agent, provider, host)
    const bare = await bareNode()
    const bareWeb = await bareNode({ webRequest: true })
    // The idle timeout is 1 s (for the scale to zero above): a trickle keeps the instance while it is measured.
    const keepWarm = setInterval(() => get({ port: agent.port, host }).catch(() => {}), 250)
    let instance
    let bareRss
    let bareWebRss
    try {
      await exercise({ socketPath: bare.socketPath })
      await exercise({ socketPath: bareWeb.socketPath })
      instance = await steadyRss(pid)
      bareRss = await steadyRss(bare.pid)
      bareWebRss = await steadyRss(bareWeb.pid)
    }
    finally {
      clearInterval(keepWarm)
      await bare.stop()
      await bareWeb.stop()
    }
    return { provider, empty, idle, instance, bare: bareRss, bareWeb: bareWebRss, deployMs: deploy.ms }
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }
}

function report({ provider, empty, idle, instance, bare, bareWeb }) {
  console.log(`\n## memory (${provider} provider)`)
  console.log(`agent RSS: no functions ${mb(empty)} | ${FUNCTIONS} deployed, all scaled to zero ${mb(idle)} (${mb((idle - empty) / FUNCTIONS)} per function) | target: reported`)
  console.log(`instance RSS after ${REQUESTS} requests: runtime ${mb(instance)} | bare node:http ${mb(bare)} | runtime overhead ${mb(instance - bare)} (target ≤ 10.0 MB)`)
  console.log(`  of which the web Request a web-standard function is handed (Node's fetch, undici): bare node:http building one per request ${mb(bareWeb)} (+${mb(bareWeb - bare)}); the runtime over that ${mb(instance - bareWeb)}`)
}

export function benchMemory() {
  return onEachProvider(benchProvider, report)
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMemory()
