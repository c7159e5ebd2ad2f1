// lambda dev: warm throughput and latency of `hello` against a bare node:http server, and hot-reload time.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fmt, latency, percentile, throughput } from './lib/load.mjs'
import { cli, freePort, repoRoot, startProcess } from './lib/processes.mjs'

const duration = Number(process.env.BENCH_DURATION ?? 5)

function get(port, host, path = '/') {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve(body))
    }).on('error', reject).end()
  })
}

export async function benchDev() {
  const project = mkdtempSync(join(tmpdir(), 'bench-dev-'))
  cpSync(join(repoRoot, 'functions'), join(project, 'functions'), { recursive: true })
  cpSync(join(repoRoot, 'lambda.config.ts'), join(project, 'lambda.config.ts'))

  const barePort = await freePort()
  const bareServer = await startProcess(process.execPath, [join(repoRoot, 'bench/bare-server.mjs')], { ready: /bare server/, env: { PORT: String(barePort) } })
  const devPort = await freePort()
  const dev = await startProcess(process.execPath, [cli, 'dev', '--port', String(devPort)], { ready: /dev server on/, cwd: project })
  const results = {}
  try {
    await get(devPort, `hello.localhost:${devPort}`)
    // Alternate the two targets so drift on a shared machine hits both alike.
    results.bare = await throughput({ url: `http://127.0.0.1:${barePort}`, duration })
    results.dev = await throughput({ url: `http://127.0.0.1:${devPort}`, host: `hello.localhost:${devPort}`, duration })
    results.bareLatency = await latency({ port: barePort })
    results.devLatency = await latency({ port: devPort, host: `hello.localhost:${devPort}` })

    // Hot reload: save → first response carrying the new code.
    const file = join(project, 'functions/hello/index.ts')
    const reloads = []
    for (let i = 0; i < 10; i++) {
      const marker = `reload-${i}-${Date.now()}`
      const saved = performance.now()
      writeFileSync(file, `export default () => ({ message: '${marker}' })\n`)
      for (;;) {
        const body = await get(devPort, `hello.localhost:${devPort}`)
        if (body.includes(marker)) break
        await new Promise(r => setTimeout(r, 1))
      }
      reloads.push(performance.now() - saved)
      await new Promise(r => setTimeout(r, 200))
    }
    results.reload = { p50: percentile(reloads, 50), max: Math.max(...reloads), all: reloads }
  }
  finally {
    await dev.stop()
    await bareServer.stop()
    rmSync(project, { recursive: true, force: true })
  }

  const { bare, dev: viaDev, bareLatency, devLatency } = results
  console.log('\n## lambda dev vs bare node:http (hello, warm)')
  console.log(`throughput, 10 connections: bare ${fmt.rps(bare.rps)} | lambda dev ${fmt.rps(viaDev.rps)} | ratio ${fmt.ratio(viaDev.rps / bare.rps)} (target ≥ 0.40×)${viaDev.failed ? ` | ${viaDev.failed} failed` : ''}`)
  console.log(`latency, 1 connection: bare p50 ${fmt.ms(bareLatency.p50)} p99 ${fmt.ms(bareLatency.p99)} | lambda dev p50 ${fmt.ms(devLatency.p50)} p99 ${fmt.ms(devLatency.p99)}`)
  console.log(`hot reload, save → new code served: p50 ${fmt.ms(results.reload.p50)}, max ${fmt.ms(results.reload.max)} (target ≤ 150 ms) [${results.reload.all.map(n => n.toFixed(0)).join(', ')}]`)
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDev()
