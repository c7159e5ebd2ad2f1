import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

// A thrown error is the function's answer (its runtime writes the 500), so it prints as any error status does.
describe('lambda invoke of a function that throws', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'functions/boom/index.ts': 'export default () => { throw new Error(\'the database is gone\') }\n',
  }), async ({ agent, project }) => {
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('prints the answer on stdout, what happened and where the stack is on stderr, exit 1', async () => {
    const result = await suite.agent.cli(['invoke', 'boom'])
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'FUNCTION_ERROR', message: 'the database is gone' } })
    const [, requestId] = /request id ([0-9a-f-]{36})/.exec(result.stderr) ?? []
    expect(requestId, result.stderr).toBeDefined()
    expect(result.stderr).toContain('"boom" threw an error: the database is gone (HTTP 500 Internal Server Error, request id')
    expect(result.stderr).toContain(`lambda logs boom --request ${requestId!.slice(0, 8)}`)
    // The command it names finds the stack.
    const logs = await suite.agent.cli(['logs', 'boom', '--request', requestId!.slice(0, 8)])
    expect(logs.stdout).toContain('Error: the database is gone')
  })

  it('--json: the error FUNCTION_ERROR with the function\'s answer under "response"', async () => {
    const result = await suite.agent.cli(['invoke', 'boom', '--json'])
    expect(result.code).toBe(1)
    const { error } = JSON.parse(result.stdout)
    expect(error).toMatchObject({
      code: 'FUNCTION_ERROR',
      status: 500,
      requestId: expect.any(String),
      response: { name: 'boom', status: 500, body: expect.stringContaining('the database is gone'), bodyEncoding: 'utf8' },
    })
  })
})
