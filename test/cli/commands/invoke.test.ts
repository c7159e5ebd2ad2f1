import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'
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
