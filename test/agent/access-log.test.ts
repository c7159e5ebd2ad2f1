import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'

describe('lambda agent --access-log', () => {
  const suite = useAgent({ provider: 'process', extraArgs: ['--access-log'] }, () => createProject({ 'functions/hello/index.ts': 'export default () => ({ hi: true })\n' }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it('prints one line per invocation: function, request id, method, path, status, duration, cold start', async () => {
    const mark = suite.agent.process.output().length
    const res = await suite.agent.call('hello', '/x?y=1')
    expect(res.status).toBe(200)
    expect((await suite.agent.call('nope')).status).toBe(404)
    const line = await suite.agent.process.waitFor(new RegExp(`\\[hello\\] ${(res.headers['x-request-id'] as string).slice(0, 8)} GET /x\\?y=1 200 [\\d.]+ms`), 10_000, mark)
    expect(line[0]).toBeTruthy()
  })
})
