// `npm run demo`: the whole story end to end against a real agent this script starts and stops itself —
// init a project, deploy, invoke over HTTP, logs, a new version, rollback, a schedule that fires.
// Everything lives in one temporary folder (agent data, project, CLI settings) removed at the end.
//
//   node scripts/demo.mjs [--docker] [--port <n>]
//
// --docker runs functions in containers (needs a Docker engine; the images the demo's agent built are
// removed at the end); the default is the process provider, which needs nothing but Node.
// Exit 0 when every step passed, 1 when one failed (cleaned up all the same), 2 for a bad command line.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const cliPath = fileURLToPath(new URL('../bin/lambda.mjs', import.meta.url))
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

let options
try {
  options = parseArgs({ options: { docker: { type: 'boolean', default: false }, port: { type: 'string' } } }).values
}
catch (error) {
  console.error(`${error.message}\nUsage: node scripts/demo.mjs [--docker] [--port <n>]`)
  process.exit(2)
}
const provider = options.docker ? 'docker' : 'process'

class StepFailed extends Error {}
const fail = (message) => {
  throw new StepFailed(message)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}

/** The CLI as a user runs it, talking to the demo's agent through LAMBDA_HOST / LAMBDA_API_KEY. */
function lambda(args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

async function lambdaOk(args, ctx) {
  const result = await lambda(args, ctx)
  if (result.code !== 0) fail(`\`lambda ${args.join(' ')}\` exited ${result.code}:\n${result.stderr}${result.stdout}`)
  return result
}

const lambdaJson = async (args, ctx) => JSON.parse((await lambdaOk([...args, '--json'], ctx)).stdout)

/** An HTTP request to 127.0.0.1 for `<fn>.localhost`, as a browser would send it through DNS. */
function get(port, host, path = '/') {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    }).on('error', reject).end()
  })
}

async function eventually(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) fail(`${what}: not within ${timeoutMs / 1000} s`)
    await sleep(250)
  }
}

function startAgent({ port, dataDir, env }) {
  const child = spawn(process.execPath, [cliPath, 'agent', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--provider', provider, '--domain', 'localhost'], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d
      const key = output.match(/mlk_[a-z0-9]{8}_[\w-]{43}/)?.[0]
      if (/Agent ready/.test(output)) key ? resolve(key) : reject(new StepFailed(`the agent printed no admin key:\n${output}`))
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', code => reject(new StepFailed(`the agent exited (${code}) before it was ready:\n${output}`)))
    setTimeout(() => reject(new StepFailed(`the agent was not ready within 120 s:\n${output}`)), 120_000).unref()
  })
  return { child, ready, output: () => output }
}

/** SIGTERM to the agent this script started (its own PID, nothing else), SIGKILL if it does not stop. */
async function stopAgent(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000)
  await exited
  clearTimeout(timer)
}

/** Images are labelled with the agent's id: remove this agent's, never another's. */
function removeImagesOf(dataDir) {
  const meta = join(dataDir, 'state/meta/agent')
  if (!existsSync(meta)) return 0
  const { id } = JSON.parse(readFileSync(meta, 'utf8'))
  const images = execFileSync('docker', ['images', '-q', '--filter', `label=mini-lambda.agent=${id}`], { encoding: 'utf8' }).split('\n').filter(Boolean)
  if (images.length > 0) execFileSync('docker', ['rmi', '-f', ...new Set(images)], { stdio: 'ignore' })
  return new Set(images).size
}

const work = mkdtempSync(join(tmpdir(), 'lambda-demo-'))
const dataDir = join(work, 'agent-data')
const env = { XDG_CONFIG_HOME: join(work, 'settings') }
const steps = []
let agent
let failed = false

async function step(title, run) {
  const started = performance.now()
  process.stdout.write(`▸ ${steps.length + 1}. ${title}\n`)
  try {
    const detail = await run()
    const ms = performance.now() - started
    steps.push({ title, ms })
    process.stdout.write(`  ✔ ${detail ?? 'done'}  (${(ms / 1000).toFixed(2)} s)\n`)
  }
  catch (error) {
    process.stdout.write(`  ✖ failed after ${((performance.now() - started) / 1000).toFixed(2)} s: ${error instanceof StepFailed ? error.message : error.stack}\n`)
    throw error
  }
}

// Ctrl-C: the terminal signals the agent too (it stops by itself); remove what the demo made, then exit.
process.once('SIGINT', async () => {
  if (agent) await stopAgent(agent.child)
  if (provider === 'docker') {
    try {
      removeImagesOf(dataDir)
    }
    catch {}
  }
  rmSync(work, { recursive: true, force: true })
  console.log(`\nInterrupted: agent stopped, ${work} removed.`)
  process.exit(130)
})

console.log(`Mini Lambda demo (${provider} provider), working in ${work}\n`)
const total = performance.now()
try {
  let port = options.port ? Number(options.port) : 0
  const project = join(work, 'demo-app')
  const ctx = { cwd: project, env }

  await step(`Start an agent on 127.0.0.1${port ? `:${port}` : ''} (data in a temporary folder)`, async () => {
    // A port this script picked may be taken by someone else before the agent binds it: pick another.
    for (let attempt = 1; ; attempt++) {
      if (!options.port) port = await freePort()
      agent = startAgent({ port, dataDir, env })
      try {
        const key = await agent.ready
        Object.assign(env, { LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: key })
        return `agent PID ${agent.child.pid} on port ${port}, admin key ${key.slice(0, 12)}…`
      }
      catch (error) {
        if (options.port || attempt >= 3 || !/PORT_IN_USE|already in use/.test(agent.output())) throw error
      }
    }
  })
  const host = `hello.localhost:${port}`

  await step('lambda init demo-app', async () => {
    await lambdaOk(['init', 'demo-app'], { cwd: work, env })
    return 'project with functions/hello and .github/workflows/deploy.yml'
  })

  await step('lambda deploy (a new function)', async () => {
    const result = await lambdaJson(['deploy'], ctx)
    const hello = result.functions.find(fn => fn.name === 'hello')
    if (hello?.status !== 'built' || hello.version !== 1) fail(`expected hello built as v1, got ${JSON.stringify(hello)}`)
    return `hello v1 at ${hello.url}`
  })

  let requestId
  await step(`Invoke it over HTTP: GET http://127.0.0.1:${port}/?name=Demo with Host: ${host}`, async () => {
    const res = await get(port, host, '/?name=Demo')
    const body = JSON.parse(res.body)
    if (res.status !== 200 || body.message !== 'Hello, Demo!') fail(`expected 200 {"message":"Hello, Demo!"}, got ${res.status} ${res.body}`)
    requestId = res.headers['x-request-id']
    return `${res.status} ${res.body}`
  })

  await step('lambda logs hello (the invocation just made)', async () => {
    const entry = await eventually('the invocation in `lambda logs hello`', async () => {
      const { stdout } = await lambdaOk(['logs', 'hello', '--json'], ctx)
      return stdout.split('\n').filter(Boolean).map(line => JSON.parse(line)).find(e => e.type === 'invocation' && e.requestId === requestId)
    })
    return `${entry.method} ${entry.path} → ${entry.status} in ${entry.durationMs} ms (request ${requestId.slice(0, 8)}, v${entry.version})`
  })

  await step('Edit the function, lambda deploy (a new version)', async () => {
    const file = join(project, 'functions/hello/index.ts')
    writeFileSync(file, readFileSync(file, 'utf8').replace('`Hello, ${name}!`', '`Hello again, ${name}!`'))
    const hello = (await lambdaJson(['deploy'], ctx)).functions.find(fn => fn.name === 'hello')
    if (hello?.status !== 'built' || hello.version !== 2) fail(`expected hello built as v2, got ${JSON.stringify(hello)}`)
    const res = await get(port, host, '/?name=Demo')
    if (!res.body.includes('Hello again, Demo!')) fail(`v2 should answer "Hello again", got ${res.status} ${res.body}`)
    return `v2 answers ${res.body}`
  })

  await step('lambda rollback hello', async () => {
    const rollback = await lambdaJson(['rollback', 'hello'], ctx)
    if (rollback.from !== 2 || rollback.to !== 1) fail(`expected v2 → v1, got ${JSON.stringify(rollback)}`)
    const res = await get(port, host, '/?name=Demo')
    if (!res.body.includes('"Hello, Demo!"')) fail(`after the rollback v1 should answer, got ${res.status} ${res.body}`)
    return `v2 → v1, answers ${res.body}`
  })

  await step('lambda schedule add hello --cron "* * * * * *" (every second), and see it fire', async () => {
    const schedule = await lambdaJson(['schedule', 'add', 'hello', '--cron', '* * * * * *'], ctx)
    const run = await eventually('a run in `lambda schedule history`', async () => {
      const { runs } = await lambdaJson(['schedule', 'history', schedule.id], ctx)
      return runs.find(r => r.outcome === 'ok')
    })
    await lambdaOk(['schedule', 'rm', schedule.id], ctx)
    return `${schedule.id} fired at ${run.startedAt}: ${run.status} (v${run.version}); removed`
  })
}
catch {
  failed = true
}
finally {
  const cleanup = performance.now()
  if (agent) await stopAgent(agent.child)
  let images = 0
  if (provider === 'docker') {
    try {
      images = removeImagesOf(dataDir)
    }
    catch (error) {
      console.log(`  could not remove the demo's images: ${error.message}`)
    }
  }
  rmSync(work, { recursive: true, force: true })
  console.log(`\nCleaned up in ${((performance.now() - cleanup) / 1000).toFixed(2)} s: agent stopped, ${work} removed${provider === 'docker' ? `, ${images} image(s) removed` : ''}.`)
}

if (failed) {
  console.log(`Demo FAILED at step ${steps.length + 1} after ${steps.length} passed.`)
  process.exit(1)
}
console.log(`Demo passed: ${steps.length} steps in ${((performance.now() - total) / 1000).toFixed(1)} s.`)
