import type { RecordingServer } from '../helpers/recording-server'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, startCli } from '../helpers/cli'
import { startRecordingServer } from '../helpers/recording-server'
import { until } from '../helpers/until'

const KEY = 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1'
let server: RecordingServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('lambda logs --follow', () => {
  it('reconnects as often as the agent drops it, without piling up listeners', async () => {
    // An agent that goes live (a heartbeat), then ends the stream at once, as one restarting over and over would.
    server = await startRecordingServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      res.end(`${JSON.stringify({ type: 'heartbeat', time: new Date().toISOString(), seq: 1 })}\n`)
    })
    const follow = startCli(['logs', 'hello', '--follow'], { env: { LAMBDA_HOST: server.url, LAMBDA_API_KEY: KEY } })
    const logRequests = () => server!.requests.filter(r => r.url.startsWith('/_lambda/functions/hello/logs')).length
    await until(() => logRequests() >= 15, '15 reconnects')
    expect(await follow.stop('SIGINT')).toBe(0)
    expect(follow.output()).toContain('Reconnecting…')
    expect(follow.output()).not.toContain('MaxListenersExceededWarning')
    // Each reconnect asks only for what comes after what it saw.
    expect(server.requests.at(-1)!.url).toContain('after=1')
  })

  it('a host that never was an agent is an error, not something to wait for', async () => {
    // Answers 200 and ends: no heartbeat, which every agent sends when a follow goes live.
    server = await startRecordingServer()
    const result = await runCli(['logs', 'hello', '--follow'], { env: { LAMBDA_HOST: server.url, LAMBDA_API_KEY: KEY }, timeoutMs: 30_000 })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${server.url} ended the log stream before sending anything.`)
    expect(server.requests).toHaveLength(1)
  })
})
