import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

const greeter = (text: string) => `export default () => new Response('${text}')\n`

// A function deleted and deployed again is new: the versions an older release names went with the delete.
describe('a release rollback after `lambda delete` and a redeploy', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({ 'functions/alpha/index.ts': greeter('alpha-1'), 'functions/beta/index.ts': greeter('beta-1') }), async ({ agent, project }) => {
    const deploy = async () => expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    await deploy() // release #1: alpha@v1 beta@v1
    project.write('functions/beta/index.ts', greeter('beta-2'))
    await deploy() // release #2: alpha@v1 beta@v2
    expect((await agent.cli(['delete', 'alpha', '--yes'])).code).toBe(0)
    project.write('functions/beta/index.ts', greeter('beta-3'))
    await deploy() // release #3: alpha@v2 (deployed anew) beta@v3
  })

  it('says alpha was deleted, not that keepVersions pruned its version, and changes nothing', async () => {
    const { agent } = suite
    const result = await agent.cli(['rollback', '--release', '2'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Release #2 includes alpha, which has been deleted since (`lambda delete` removed alpha v1)')
    expect(result.stderr).toContain('lambda rollback --release 2 --force')
    expect(result.output).not.toContain('keepVersions')
    const api = await agent.admin('/releases/rollback', { method: 'POST', body: '{"id":2}' })
    expect(api.status).toBe(409)
    expect(api.json().error).toMatchObject({ code: 'RELEASE_INCLUDES_DELETED', release: 2, deleted: ['alpha'] })
    const releases = JSON.parse((await agent.cli(['releases', '--json'])).stdout) as Array<{ id: number, restorable: boolean, missing: unknown[] }>
    expect(releases.find(r => r.id === 2)).toMatchObject({ restorable: false, missing: [{ function: 'alpha', version: 1, reason: 'deleted' }] })
    expect((await agent.call('beta')).text).toBe('beta-3')
  })

  it('--force rolls the others back and leaves alpha as deployed since', async () => {
    const { agent } = suite
    const result = await agent.cli(['rollback', '--release', '2', '--force'])
    expect(result.code, result.output).toBe(0)
    expect((await agent.call('beta')).text).toBe('beta-2')
    expect((await agent.call('alpha')).text).toBe('alpha-1')
    expect(JSON.parse((await agent.cli(['versions', 'alpha', '--json'])).stdout)).toMatchObject({ current: 2 })
  })
})
