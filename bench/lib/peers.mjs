import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startProcess } from './processes.mjs'

/** Ready setups of peer emulators (see its README.md); skipped with a notice where it is absent. */
const PEERS = process.env.BENCH_PEERS_DIR ?? '/work/shared/peers'

function status(url, host) {
  return new Promise((resolve) => {
    request(url, { headers: host ? { host } : {}, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', () => resolve(0)).end()
  })
}

/** Polls `url` (with Host `host`) until it answers 200, or gives up after `ms`. */
export async function untilAnswers(url, ms = 60_000, host = undefined) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if ((await status(url, host)) === 200) return true
    await new Promise(r => setTimeout(r, 200))
  }
  return false
}

/**
 * serverless-offline serving the peers' `hello` (see /work/shared/peers/README.md), installed from
 * the registry into a temporary copy with HOME there too. Resolves with `{ port, stop }`, or with
 * `{ notice }` when it cannot run here. `BENCH_SLS_DIR` reuses an installed copy.
 */
export async function startServerlessOffline() {
  const source = join(PEERS, 'sls')
  if (!existsSync(source)) return { notice: `${source} is not there` }
  const reuse = process.env.BENCH_SLS_DIR
  const dir = reuse ?? mkdtempSync(join(tmpdir(), 'bench-sls-'))
  const home = join(dir, 'home')
  const env = {
    HOME: home,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    CI: '1',
  }
  const cleanup = () => reuse || rmSync(dir, { recursive: true, force: true })
  if (!reuse) {
    cpSync(source, dir, { recursive: true })
    mkdirSync(home, { recursive: true })
    const install = spawnSync('npm', ['i', '--no-audit', '--no-fund', 'serverless@3', 'serverless-offline@13'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600_000 })
    if (install.status !== 0) {
      cleanup()
      return { notice: `serverless-offline did not install (${(install.stderr || install.error?.message || '').trim().split('\n').at(-1)})` }
    }
  }
  // Free ports instead of the fixed ones in its serverless.yml: others may run on this machine.
  const [http, lambda, websocket, alb] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const config = readFileSync(join(source, 'serverless.yml'), 'utf8')
    .replace(/httpPort: \d+/, `httpPort: ${http}`)
    .replace(/lambdaPort: \d+/, `lambdaPort: ${lambda}`)
    .replace(/websocketPort: \d+/, `websocketPort: ${websocket}`)
    .replace(/albPort: \d+/, `albPort: ${alb}`)
  writeFileSync(join(dir, 'serverless.yml'), config)
  let child
  try {
    // Its fastest mode: the handler runs in its own process, not in a worker per request.
    child = await startProcess(join(dir, 'node_modules/.bin/serverless'), ['offline', '--useInProcess'], { cwd: dir, env })
  }
  catch (error) {
    cleanup()
    return { notice: `serverless-offline did not start: ${error.message.split('\n')[0]}` }
  }
  if (!(await untilAnswers(`http://127.0.0.1:${http}/`))) {
    const output = child.output().trim().split('\n').slice(-3).join(' / ')
    await child.stop()
    cleanup()
    return { notice: `serverless-offline did not answer: ${output}` }
  }
  return {
    port: http,
    pid: child.child.pid,
    mode: '--useInProcess',
    async stop() {
      await child.stop()
      cleanup()
    },
  }
}
