import type { AgentMetrics } from './agent-metrics'
import { createServer } from 'node:http'
import { LambdaError } from '../../errors'

export interface MetricsPortListener {
  url: string
  close: () => Promise<void>
}

/**
 * `--metrics-port`: the Prometheus text at `http://127.0.0.1:<port>/metrics`, without a key, for a
 * Prometheus (or node exporter's proxy) on the same machine. Bound to 127.0.0.1 only: whoever can reach
 * it has a shell on the VM (or runs as a process-provider function, which isolates nothing anyway);
 * a container's 127.0.0.1 is its own.
 */
export async function listenMetricsPort(metrics: AgentMetrics, port: number): Promise<MetricsPortListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the Prometheus metrics are at /metrics.\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'allow': 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Use GET /metrics.\n')
      return
    }
    metrics.prometheus().then(p => p.text().then((text) => {
      res.writeHead(200, { 'content-type': p.contentType })
      res.end(req.method === 'HEAD' ? undefined : text)
    })).catch((error: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`Metrics could not be read: ${error.message}\n`)
    })
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new LambdaError({
      code: error.code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'PORT_UNAVAILABLE',
      status: 500,
      message: error.code === 'EADDRINUSE' ? `The metrics port ${port} on 127.0.0.1 is already in use.` : `Cannot listen on 127.0.0.1:${port} for metrics: ${error.message}.`,
      hint: 'Choose another --metrics-port (or leave it out: the admin API serves the same at /_lambda/metrics with a key).',
    })))
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
