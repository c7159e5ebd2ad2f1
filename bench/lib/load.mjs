import { Agent, request } from 'node:http'
import autocannon from 'autocannon'
import { cpuMs } from './cpu.mjs'

/**
 * Throughput under load, from autocannon: requests/s at `connections` concurrent keep-alive
 * connections. Every target of one benchmark goes through this same client. With `pids`, also the CPU
 * time those processes used per request (µs), which the machine's other load disturbs much less.
 */
export async function throughput({ url, socketPath, host, connections = 10, duration = 5, warmup = 1, path = '/', pids }) {
  const base = { url: url ?? 'http://localhost', socketPath, connections, pipelining: 1, headers: host ? { host } : {}, requests: [{ path }] }
  if (warmup > 0) await autocannon({ ...base, duration: warmup })
  const processes = typeof pids === 'function' ? pids() : pids
  const cpuBefore = processes ? cpuMs(processes) : 0
  const result = await autocannon({ ...base, duration })
  const cpuUsPerRequest = processes && result.requests.total > 0 ? (cpuMs(processes) - cpuBefore) * 1000 / result.requests.total : undefined
  return { rps: result.requests.average, cpuUsPerRequest, total: result.requests.total, failed: result.errors + result.timeouts + result.non2xx, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, statusCodes: result.statusCodeStats }
}

/**
 * Latency at one connection, in microseconds: autocannon's histogram only resolves whole
 * milliseconds, too coarse for a gateway that adds a fraction of one. Sequential keep-alive
 * requests timed with hrtime, after a warm-up.
 */
export async function latency({ port, socketPath, host, path = '/', count = 3000, warmup = 300 }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const once = () => new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    request({ host: '127.0.0.1', port, socketPath, path, headers: host ? { host } : {}, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1000))
    }).on('error', reject).end()
  })
  for (let i = 0; i < warmup; i++) await once()
  const samples = []
  for (let i = 0; i < count; i++) samples.push(await once())
  agent.destroy()
  return { p50: percentile(samples, 50) / 1000, p99: percentile(samples, 99) / 1000 }
}

export const fmt = {
  rps: n => `${Math.round(n).toLocaleString('en-US')} req/s`,
  ms: n => `${n.toFixed(2)} ms`,
  ratio: n => `${n.toFixed(2)}×`,
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}
