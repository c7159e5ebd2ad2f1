import type { Metric } from 'prom-client'

type PromClient = typeof import('prom-client')

/**
 * The agent's own process, under prom-client's standard names (`process_*`, `nodejs_heap_*`), read at
 * scrape time only. Not prom-client's `collectDefaultMetrics`: once started it keeps a PerformanceObserver
 * on every garbage collection (Node's docs warn such observers cost while subscribed; prom-client issue
 * #490 reports the slowdown) and samples the event loop, for as long as the agent runs, on the gateway's
 * busiest path. These readings cost nothing between scrapes.
 */
export function processMetrics({ Counter, Gauge }: PromClient): Metric[] {
  const startTime = Math.round(Date.now() / 1000 - process.uptime())
  const cpu = (name: string, help: string, read: (usage: NodeJS.CpuUsage) => number) => new Counter({
    name,
    help,
    registers: [],
    collect() {
      this.reset()
      this.inc(read(process.cpuUsage()) / 1e6)
    },
  })
  const gauge = (name: string, help: string, read: () => number) => new Gauge({
    name,
    help,
    registers: [],
    collect() {
      this.set(read())
    },
  })
  return [
    cpu('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', usage => usage.user),
    cpu('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', usage => usage.system),
    cpu('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', usage => usage.user + usage.system),
    gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => startTime),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss()),
    gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => process.memoryUsage().heapTotal),
    gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', () => process.memoryUsage().heapUsed),
    gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', () => process.memoryUsage().external),
  ]
}
