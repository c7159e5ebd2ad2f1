import type { LogEntry } from '../../src/api/admin-api'
import type { RecordingServer } from '../helpers/recording-server'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, startCli } from '../helpers/cli'
import { startRecordingServer } from '../helpers/recording-server'

const KEY = 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1'
const A = 'aaaaaaaa-0000-4000-8000-000000000001'
const B = 'bbbbbbbb-0000-4000-8000-000000000002'
const C = 'cccccccc-0000-4000-8000-000000000003'

let seq = 0
const at = (ms: number) => new Date(Date.UTC(2025, 0, 31, 12, 0, 1, ms)).toISOString()
const base = (ms: number) => ({ seq: ++seq, time: at(ms), function: 'greet', version: 1 })
const output = (ms: number, requestId: string | null, message: string): LogEntry => ({ ...base(ms), type: 'output', instance: 'greet-1', stream: 'stdout', requestId, message })
const invocation = (ms: number, requestId: string, durationMs: number): LogEntry => ({ ...base(ms), type: 'invocation', requestId, method: 'POST', path: '/', status: 200, durationMs, coldStart: false })

/**
 * As the agent may store them: each request's invocation line (filed when it ended) before the line the
 * function printed just before the end, which reached the agent 2 ms later.
 */
const raced = [
  output(0, null, 'loading'),
  invocation(204, A, 17),
  output(206, A, 'greeting Ada'),
  invocation(404, B, 12),
  output(405, B, 'greeting Bob'),
  output(406, B, 'done Bob'),
  invocation(600, C, 3),
  output(900, null, 'a timer fired'),
]

let server: RecordingServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** The messages of the lines printed, in order: a function's own text, or `POST / 200` for an invocation. */
const messages = (stdout: string) => stdout.split('\n').filter(Boolean).map(line => /(POST \/ 200|greeting \w+|done \w+|loading|a timer fired)/.exec(line)?.[1])

const expected = ['loading', 'greeting Ada', 'POST / 200', 'greeting Bob', 'done Bob', 'POST / 200', 'POST / 200', 'a timer fired']

describe('lambda logs: a request\'s own lines come before its invocation line', () => {
  it('in the stored entries, whatever order the agent filed them in', async () => {
    server = await startRecordingServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      res.end(raced.map(entry => `${JSON.stringify(entry)}\n`).join(''))
    })
    const result = await runCli(['logs', 'greet'], { env: { LAMBDA_HOST: server.url, LAMBDA_API_KEY: KEY } })
    expect(result.code, result.output).toBe(0)
    expect(messages(result.stdout)).toEqual(expected)
    // --json is the agent's stream as it is.
    const json = await runCli(['logs', 'greet', '--json'], { env: { LAMBDA_HOST: server.url, LAMBDA_API_KEY: KEY } })
    expect(json.stdout.split('\n').filter(Boolean).map(line => JSON.parse(line).seq)).toEqual(raced.map(entry => entry.seq))
  })

  it('live, with --follow', async () => {
    server = await startRecordingServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      // The stored entries, the heartbeat that says the follow is live, then live ones; the stream stays open.
      res.write(`${raced.slice(0, 3).map(entry => JSON.stringify(entry)).join('\n')}\n${JSON.stringify({ type: 'heartbeat', time: at(300), seq: 3 })}\n`)
      res.write(`${raced.slice(3).map(entry => JSON.stringify(entry)).join('\n')}\n`)
    })
    const follow = startCli(['logs', 'greet', '--follow'], { env: { LAMBDA_HOST: server.url, LAMBDA_API_KEY: KEY } })
    await follow.waitFor(/a timer fired/)
    expect(await follow.stop('SIGINT')).toBe(0)
    expect(messages(follow.output())).toEqual(expected)
  })
})
