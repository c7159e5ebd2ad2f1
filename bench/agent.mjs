// The agent: cold start vs `docker run`; deploy times. Warm throughput and latency are in data-plane.mjs.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { containersOf, sampleProject, startAgent, timedCli } from './lib/agent.mjs'
import { fmt, percentile } from './lib/load.mjs'

const rounds = Number(process.env.BENCH_ROUNDS ?? 7)
const sleep = ms => new Promise(r => setTimeout(r, ms))

function get({ port, host, socketPath }) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, socketPath, path: '/', headers: host ? { host } : {}, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', reject).end()
  })
}

async function untilGone(agentId, fn) {
  while (containersOf(agentId, fn).length > 0) await sleep(20)
}

/**
 * The function's image run by hand with the runtime listening on a socket in a writable folder (the
 * runtime's standalone mode): the floor the gateway is measured against. Benchmark-only; the agent
 * never gives a container a writable host folder.
 */
function runListening(image, args = ['-d']) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-run-'))
  chmodSync(dir, 0o777)
  const socketPath = join(dir, 'fn.sock')
  const child = spawn('docker', ['run', '--rm', ...args, '-e', 'LAMBDA_SOCKET=/run/lambda/fn.sock', '-e', 'LAMBDA_FUNCTION_NAME=hello', '-v', `${dir}:/run/lambda`, image], { stdio: 'ignore' })
  const remove = async () => {
    const ids = execFileSync('docker', ['ps', '-q', '--filter', `ancestor=${image}`, '--filter', 'label=mini-lambda.bench=1'], { encoding: 'utf8' }).split('\n').filter(Boolean)
    for (const id of ids) execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' })
    if (child.exitCode === null) await new Promise(resolve => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
  return { socketPath, remove }
}

async function untilAnswers(socketPath) {
  for (;;) {
    if (existsSync(socketPath)) {
      try {
        await get({ socketPath })
        return
      }
      catch {}
    }
    await sleep(2)
  }
}

/** `docker run` of the function's image to its first HTTP response on the socket. */
async function dockerRunToFirstResponse(image) {
  const started = performance.now()
  const run = runListening(image, ['--label', 'mini-lambda.bench=1'])
  await untilAnswers(run.socketPath)
  const ms = performance.now() - started
  await run.remove()
  return ms
}

export async function benchAgent() {
  const project = sampleProject()
  const agent = await startAgent({ idleTimeout: 1 })
  const host = `hello.localhost:${agent.port}`
  const results = {}
  try {
    // Deploy times: first, unchanged, one function changed.
    results.firstDeploy = timedCli(['deploy'], { cwd: project, env: agent.env }).ms
    results.unchanged = []
    results.changed = []
    for (let i = 0; i < 3; i++) {
      results.unchanged.push(timedCli(['deploy'], { cwd: project, env: agent.env }).ms)
      writeFileSync(join(project, 'functions/hello/index.ts'), `export default () => ({ message: 'Hello, World!', build: ${i} })\n`)
      results.changed.push(timedCli(['deploy'], { cwd: project, env: agent.env }).ms)
    }

    await get({ port: agent.port, host })
    const [container] = containersOf(agent.agentId, 'hello')
    const image = execFileSync('docker', ['inspect', '--format', '{{.Config.Image}}', container.id], { encoding: 'utf8' }).trim()

    // Cold starts: wait for scale to zero, then time the first response; alternate with docker run.
    results.cold = []
    results.dockerRun = []
    for (let i = 0; i < rounds; i++) {
      await untilGone(agent.agentId, 'hello')
      const started = performance.now()
      await get({ port: agent.port, host })
      results.cold.push(performance.now() - started)
      results.dockerRun.push(await dockerRunToFirstResponse(image))
    }
  }
  finally {
    await agent.stop()
    rmSync(project, { recursive: true, force: true })
    rmSync(agent.dataDir, { recursive: true, force: true })
  }

  console.log('\n## agent: cold start and deploys (docker provider)')
  console.log(`cold start (scale-to-zero → first response): p50 ${fmt.ms(percentile(results.cold, 50))} | docker run → first response: p50 ${fmt.ms(percentile(results.dockerRun, 50))} | ratio ${fmt.ratio(percentile(results.cold, 50) / percentile(results.dockerRun, 50))} (target < 1.00×) [cold ${results.cold.map(n => n.toFixed(0)).join(', ')}] [docker run ${results.dockerRun.map(n => n.toFixed(0)).join(', ')}]`)
  console.log(`deploy of the sample project: first ${fmt.ms(results.firstDeploy)} | unchanged p50 ${fmt.ms(percentile(results.unchanged, 50))} (target ≤ 1000 ms) | one function changed p50 ${fmt.ms(percentile(results.changed, 50))} (target ≤ 5000 ms)`)
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAgent()
