import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'

export interface RecordedRequest {
  method: string
  url: string
  authorization?: string
}

export interface RecordingServer {
  port: number
  url: string
  /** Every request it received, in order (a request's body is read and dropped). */
  requests: RecordedRequest[]
  close: () => Promise<void>
}

/**
 * A plain HTTP server on 127.0.0.1 that records every request and answers with `handler`
 * (by default 200 "ok"): a second host that must get no traffic, or a stand-in for an agent.
 */
export async function startRecordingServer(handler?: (req: IncomingMessage, res: ServerResponse) => void): Promise<RecordingServer> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization })
    req.resume()
    req.on('end', () => {
      if (handler) return handler(req, res)
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('ok')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
