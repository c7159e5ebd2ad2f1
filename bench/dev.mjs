// lambda dev: hot-reload time. Warm throughput and latency are in data-plane.mjs.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fmt, percentile } from './lib/load.mjs'
import { cli, freePort, repoRoot, startProcess } from './lib/processes.mjs'

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

  const devPort = await freePort()
  const dev = await startProcess(process.execPath, [cli, 'dev', '--port', String(devPort)], { ready: /dev server on/, cwd: project })
  const results = {}
  try {
    await get(devPort, `hello.localhost:${devPort}`)
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
    rmSync(project, { recursive: true, force: true })
  }

  console.log('\n## lambda dev: hot reload')
  console.log(`hot reload, save → new code served: p50 ${fmt.ms(results.reload.p50)}, max ${fmt.ms(results.reload.max)} (target ≤ 150 ms) [${results.reload.all.map(n => n.toFixed(0)).join(', ')}]`)
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDev()
