import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'

const UNKNOWN = `mlk_00000000_${'A'.repeat(43)}`

describe('a refused key: the message says which scope is enough, the hint fixes the key where it was given', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({ 'functions/hello/index.ts': 'export default () => \'hi\'\n' }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })
  const makeKey = async (scope: string) => JSON.parse((await suite.agent.cli(['agent', 'keys', 'create', '--scope', scope, '--data-dir', suite.agent.dataDir, '--json'])).stdout).key as string

  it('admin is the top scope: nothing is "higher"', async () => {
    const deployKey = await makeKey('deploy')
    const secrets = await suite.agent.cli(['secrets', 'list'], { env: { LAMBDA_API_KEY: deployKey } })
    expect(secrets.code).toBe(1)
    expect(secrets.stderr).toMatch(/has the "deploy" scope; this needs "admin"\./)
    const invokeKey = await makeKey('invoke')
    const list = await suite.agent.cli(['list'], { env: { LAMBDA_API_KEY: invokeKey } })
    expect(list.stderr).toMatch(/has the "invoke" scope; this needs "deploy" or "admin"\./)
    for (const output of [secrets.output, list.output]) expect(output).not.toContain('or higher')
  })

  it('a bad --key is pointed at --key, whichever command sent it (admin calls, invoke, logs)', async () => {
    for (const args of [['list'], ['invoke', 'hello'], ['logs', 'hello']]) {
      const result = await suite.agent.cli([...args, '--key', UNKNOWN])
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr, args.join(' ')).toContain('The API key is not valid')
      expect(result.stderr, args.join(' ')).toContain(`The key given with --key is not one the agent at http://127.0.0.1:${suite.agent.port} accepts`)
      expect(result.stderr, args.join(' ')).not.toContain('config set-key <key>')
    }
  })

  it('a bad LAMBDA_API_KEY is pointed at LAMBDA_API_KEY; no key at all says how to set one', async () => {
    const fromEnv = await suite.agent.cli(['list'], { env: { LAMBDA_API_KEY: UNKNOWN } })
    expect(fromEnv.stderr).toContain('LAMBDA_API_KEY holds a key the agent at')
    const none = await suite.agent.cli(['list'], { env: { LAMBDA_API_KEY: '' } })
    expect(none.code).toBe(1)
    expect(none.stderr).toContain(`No API key is set for http://127.0.0.1:${suite.agent.port}: save one with \`lambda config set-key <key>\``)
  })
})
