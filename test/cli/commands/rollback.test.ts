import type { AgentSuite } from '../../helpers/agent'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

const hello = (message: string) => `export default () => ({ message: '${message}' })\n`

async function state(suite: AgentSuite) {
  return {
    hello: JSON.parse((await suite.agent.cli(['versions', 'hello', '--json'])).stdout).current,
    other: JSON.parse((await suite.agent.cli(['versions', 'other', '--json'])).stdout).current,
    releases: JSON.parse((await suite.agent.cli(['releases', '--json'])).stdout).map((r: { id: number }) => r.id),
  }
}

describe('lambda rollback: one function or the whole project, never a guess between them', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'functions/hello/index.ts': hello('v1'),
    'functions/other/index.ts': 'export default () => \'other v1\'\n',
  }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    project.write('functions/hello/index.ts', hello('v2'))
    project.write('functions/other/index.ts', 'export default () => \'other v2\'\n')
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
  })

  it('`lambda rollback hello --release 1` is refused as ambiguous, and nothing moves', async () => {
    const before = await state(suite)
    expect(before).toEqual({ hello: 2, other: 2, releases: [1, 2] })
    for (const args of [['rollback', 'hello', '--release', '1'], ['rollback', '--release', '1', 'hello'], ['rollback', 'hello', '--release'], ['rollback', 'hello', '1', '--release']]) {
      const result = await suite.agent.cli(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toContain('is ambiguous: roll back "hello" alone, or the whole project to a release?')
      expect(result.stderr).toContain('The whole project: `lambda rollback --release')
    }
    expect(await state(suite)).toEqual(before)
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'v2' })
  })

  it('a function alone, and the whole project, each with a --json result', async () => {
    const one = await suite.agent.cli(['rollback', 'hello', '--json'])
    expect(one.code, one.output).toBe(0)
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'function', name: 'hello', from: 2, to: 1, url: `http://hello.localhost:${suite.agent.port}/` })
    expect(await state(suite)).toMatchObject({ hello: 1, other: 2 })

    const project = await suite.agent.cli(['rollback', '--release', '2', '--json'])
    expect(project.code, project.output).toBe(0)
    expect(JSON.parse(project.stdout)).toMatchObject({ kind: 'release', release: { id: 3, kind: 'rollback', rollbackOf: 2, functions: { hello: 2, other: 2 } }, from: { hello: 1, other: 2 } })
    expect(await state(suite)).toEqual({ hello: 2, other: 2, releases: [1, 2, 3] })
  })
})
