import type { HealthResponse } from '../../api/admin-api'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ADMIN_PREFIX } from '../../api/admin-api'

/**
 * The agent's health, asked on this machine's loopback. Over TLS the certificate is for the agent's
 * public name, not 127.0.0.1, so it is not checked: nothing secret is sent (health needs no key).
 */
export function localHealth(port: number, scheme: 'http' | 'https', timeoutMs = 3000, host = '127.0.0.1'): Promise<HealthResponse> {
  return new Promise((resolve, reject) => {
    const request = (scheme === 'https' ? httpsRequest : httpRequest)({ host, port, path: `${ADMIN_PREFIX}/health`, timeout: timeoutMs, rejectUnauthorized: false, headers: { host: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => {
        try {
          const health = JSON.parse(body) as HealthResponse
          if (res.statusCode !== 200 || health.agent !== 'mini-lambda') throw new Error(`answered ${res.statusCode}, not as a Mini Lambda agent`)
          resolve(health)
        }
        catch (error) {
          reject(error)
        }
      })
    })
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)))
    request.on('error', reject)
    request.end()
  })
}
