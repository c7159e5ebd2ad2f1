import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { repoRoot } from '../../helpers/paths'
import { createProject } from '../../helpers/project'

const working = (word: string) => `export default () => '${word}'\n`

describe('version numbers skip where a deploy did not go live, and the docs say so', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({ 'functions/hello/index.ts': working('one') }))

  it('a deploy that fails uses up its number: the next one goes live one further on', async () => {
    const { agent, project } = suite
    const deploy = () => agent.cli(['deploy'], { cwd: project.dir })
    expect((await deploy()).code).toBe(0)
    project.write('functions/hello/index.ts', working('two'))
    expect((await deploy()).code).toBe(0)
    // Throws at import: the warm-up fails, so v3 never goes live.
    project.write('functions/hello/index.ts', 'throw new Error(\'broken at import\')\n')
    const failed = await deploy()
    expect(failed.code, failed.output).toBe(1)
    project.write('functions/hello/index.ts', working('four'))
    expect((await deploy()).code).toBe(0)

    const versions = JSON.parse((await agent.cli(['versions', 'hello', '--json'])).stdout)
    expect(versions.versions.map((v: { number: number }) => v.number)).toEqual([1, 2, 4])
    expect(versions).toMatchObject({ current: 4, lastVersion: 4 })
    expect((await agent.call('hello')).text).toBe('four')
  })

  it('docs/versions.md and the `lambda versions` section of docs/cli.md explain the gaps', () => {
    const versionsDoc = readFileSync(join(repoRoot, 'docs/versions.md'), 'utf8')
    expect(versionsDoc).toContain('**Numbers can have gaps.**')
    expect(versionsDoc).toMatch(/takes its number when its build starts/)
    const cli = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8')
    const section = cli.slice(cli.indexOf('### `lambda versions <fn>`'), cli.indexOf('### `lambda rollback'))
    expect(section).toMatch(/Numbers may skip/)
    expect(section).toContain('1, 2, 3 and 5')
  })
})
