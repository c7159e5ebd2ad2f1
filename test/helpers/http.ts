import { request as httpRequest } from 'node:http'

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  rawHeaders: string[]
  body: Buffer
  text: string
  json: <T = any>() => T
}

export interface RequestInit {
  method?: string
  /** Host header; the connection always goes to 127.0.0.1 (Node does not resolve *.localhost here). */
  host?: string
  headers?: Record<string, string | string[]>
  body?: string | Buffer
  socketPath?: string
  timeoutMs?: number
}

/** A real HTTP request to 127.0.0.1:port (or a unix socket) with any Host header. */
export function request(port: number | undefined, path: string, init: RequestInit = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      socketPath: init.socketPath,
      path,
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { ...(init.host ? { host: init.host } : {}), ...init.headers },
      agent: false,
      timeout: init.timeoutMs ?? 30_000,
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          text: body.toString('utf8'),
          json: () => JSON.parse(body.toString('utf8')),
        })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`request to ${path} timed out`)))
    req.on('error', reject)
    req.end(init.body)
  })
}
