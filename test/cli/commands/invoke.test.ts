import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { runCli } from '../../helpers/cli'
import { createProject } from '../../helpers/project'
import { startRecordingServer } from '../../helpers/recording-server'
import { hasTerminal, runInTerminal } from '../../helpers/terminal'

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/

describe('lambda invoke: the body, then a newline; on an error status, the status and the request id', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'functions/bare/index.ts': 'export default () => new Response(\'no newline\', { headers: { \'content-type\': \'text/plain\' } })\n',
    'functions/line/index.ts': 'export default () => new Response(\'one line\\n\', { headers: { \'content-type\': \'text/plain\' } })\n',
    'functions/bytes/index.ts': 'export default () => new Response(new Uint8Array([0, 1, 2, 0x41]), { headers: { \'content-type\': \'application/octet-stream\' } })\n',
    'functions/down/index.ts': 'export default () => new Response(\'maintenance\', { status: 503, headers: { \'content-type\': \'text/plain\' } })\n',
  }), async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('a text body ends with exactly one newline, added only when missing', async () => {
    expect((await suite.agent.cli(['invoke', 'bare'])).stdout).toBe('no newline\n')
    expect((await suite.agent.cli(['invoke', 'line'])).stdout).toBe('one line\n')
  })

  it('a binary body goes to a pipe byte for byte', async () => {
    const result = await suite.agent.cli(['invoke', 'bytes'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('\u0000\u0001\u0002A')
  })

  it.skipIf(!hasTerminal)('on a terminal a binary body is followed by a newline too', async () => {
    const result = await runInTerminal(['invoke', 'bytes'], { env: { ...process.env, ...suite.agent.env, NO_COLOR: '1' } })
    expect(result.code).toBe(0)
    expect(result.output).toBe('\u0000\u0001\u0002A\r\n')
  })

  it('an error status: the body on stdout, status and request id on stderr, exit 1', async () => {
    const result = await suite.agent.cli(['invoke', 'down'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('maintenance\n')
    expect(result.stderr).toMatch(new RegExp(`"down" answered HTTP 503 Service Unavailable, request id ${UUID.source}`))
    // The agent's own refusal: no function ran, but every answer of the gateway has its request id.
    const missing = await suite.agent.cli(['invoke', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toMatch(new RegExp(`No function named "nope" is deployed\\. Deployed: bare, bytes, down, line\\. \\(HTTP 404 Not Found, request id ${UUID.source}\\)`))
  })

  it('--json: the response as a document; an error status as an error document with the request id', async () => {
    const ok = await suite.agent.cli(['invoke', 'bytes', '--json'])
    expect(ok.code).toBe(0)
    const response = JSON.parse(ok.stdout)
    expect(response).toMatchObject({ name: 'bytes', status: 200, statusText: 'OK', requestId: expect.stringMatching(UUID), body: Buffer.from([0, 1, 2, 0x41]).toString('base64'), bodyEncoding: 'base64' })
    expect(response.headers['x-request-id']).toBe(response.requestId)

    const down = await suite.agent.cli(['invoke', 'down', '--json'])
    expect(down.code).toBe(1)
    const { error } = JSON.parse(down.stdout)
    expect(error).toMatchObject({ code: 'FUNCTION_ERROR_STATUS', status: 503, requestId: expect.stringMatching(UUID), response: { status: 503, body: 'maintenance', bodyEncoding: 'utf8' } })
    expect(error.message).toContain(error.requestId)
  })
})

describe('lambda invoke --data: inline, @file and @- (stdin), as curl reads them', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    // Answers with the request's own method, content type and body, byte for byte.
    'functions/echo/index.ts': [
      'export default async (request: Request) => new Response(await request.arrayBuffer(), {',
      '  headers: { \'content-type\': \'application/octet-stream\', \'x-method\': request.method, \'x-content-type\': request.headers.get(\'content-type\') ?? \'none\' },',
      '})',
      '',
    ].join('\n'),
  }), async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('-d @- sends what is piped to stdin, byte for byte, as a POST', async () => {
    const body = Buffer.from([0x7B, 0x0A, 0x00, 0xFF, 0x0D, 0x0A, 0x7D, 0x0A])
    const result = await suite.agent.cli(['invoke', 'echo', '-d', '@-', '--include'], { input: body })
    expect(result.code, result.output).toBe(0)
    expect(result.stderr).toContain('x-method: POST')
    expect(result.stderr).toContain('x-content-type: none')
    const json = await suite.agent.cli(['invoke', 'echo', '--data', '@-', '--json'], { input: body })
    expect(json.code, json.output).toBe(0)
    expect(Buffer.from(JSON.parse(json.stdout).body, 'base64')).toEqual(body)
  })

  it('-d @- with JSON on stdin and a content type of its own; an empty stdin is an empty body', async () => {
    const piped = await suite.agent.cli(['invoke', 'echo', '-d', '@-', '-H', 'content-type: application/json', '--json'], { input: '{"name":"Ada"}\n' })
    expect(piped.code, piped.output).toBe(0)
    const doc = JSON.parse(piped.stdout)
    expect(Buffer.from(doc.body, 'base64').toString()).toBe('{"name":"Ada"}\n')
    expect(doc.headers['x-content-type']).toBe('application/json')
    const empty = await suite.agent.cli(['invoke', 'echo', '-d', '@-', '--json'], { input: '' })
    expect(empty.code, empty.output).toBe(0)
    expect(JSON.parse(empty.stdout)).toMatchObject({ body: '', headers: { 'x-method': 'POST' } })
  })

  it('-d @file sends the file as it is; a missing file names it, and nothing is sent', async () => {
    suite.project.write('payload.bin', '{"from":"file"}\r\n')
    const file = await suite.agent.cli(['invoke', 'echo', '-d', '@payload.bin', '--json'], { cwd: suite.project.dir })
    expect(file.code, file.output).toBe(0)
    expect(Buffer.from(JSON.parse(file.stdout).body, 'base64').toString()).toBe('{"from":"file"}\r\n')
    const missing = await suite.agent.cli(['invoke', 'echo', '-d', '@nope.json'], { cwd: suite.project.dir })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('Cannot read nope.json')
    expect(missing.stderr).toContain('@- to read stdin')
  })
})

describe('lambda invoke: arguments that contradict each other', () => {
  it('a body with -X GET or HEAD is a usage error (exit 2), and nothing is sent', async () => {
    const agent = await startRecordingServer()
    try {
      const env = { LAMBDA_HOST: agent.url, LAMBDA_API_KEY: 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1' }
      for (const method of ['GET', 'head']) {
        const result = await runCli(['invoke', 'greet', '-d', '{"name":"x"}', '-X', method, '--json'], { env })
        expect(result.code, result.output).toBe(2)
        expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'CONFLICTING_ARGUMENTS', message: `-X ${method.toUpperCase()} sends no body, and --data gives one.` })
        expect(JSON.parse(result.stdout).error.hint).toContain('--path')
      }
      expect(agent.requests).toEqual([])
      // A method that takes a body is sent as asked.
      expect((await runCli(['invoke', 'greet', '-d', '{"name":"x"}', '-X', 'DELETE'], { env })).code).toBe(0)
      expect(agent.requests.map(r => `${r.method} ${r.url}`)).toEqual(['GET /_lambda/health', 'DELETE /_lambda/functions/greet/invoke/'])
    }
    finally {
      await agent.close()
    }
  })
})
