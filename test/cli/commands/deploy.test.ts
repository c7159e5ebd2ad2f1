import type { AgentSuite } from '../../helpers/agent'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

const hello = (message: string) => `export default () => ({ message: '${message}' })\n`

/** What the agent holds: every function's versions and the releases (not instance states, which change by themselves). */
async function agentState(suite: AgentSuite) {
  const listed = JSON.parse((await suite.agent.cli(['list', '--json'])).stdout) as Array<{ name: string, version: number, hash: string }>
  const versions = await Promise.all(listed.map(async f => JSON.parse((await suite.agent.cli(['versions', f.name, '--json'])).stdout)))
  const releases = JSON.parse((await suite.agent.cli(['releases', '--json'])).stdout)
  return { functions: listed.map(f => ({ name: f.name, version: f.version, hash: f.hash })), versions, releases }
}

describe('lambda deploy --dry-run: what a deploy would do, changing nothing', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'lambda.config.ts': 'export default { deploy: { keepVersions: 2 } }\n',
    'functions/hello/index.ts': hello('v1'),
    'functions/other/index.ts': 'export default () => \'other\'\n',
    'elsewhere/stray/index.ts': 'export default () => \'stray\'\n',
  }))

  it('on an empty agent: every function would be built, and nothing is', async () => {
    const dry = await suite.agent.cli(['deploy', '--dry-run'], { cwd: suite.project.dir })
    expect(dry.code, dry.output).toBe(0)
    expect(dry.stdout).toMatch(/hello\s+would build\s+-\s+new function/)
    expect(dry.stdout).toMatch(/other\s+would build\s+-\s+new function/)
    expect(dry.output).toContain(`Dry run: 2 would be built, 0 unchanged, 0 failed; nothing changed on http://127.0.0.1:${suite.agent.port}`)
    expect(await agentState(suite)).toEqual({ functions: [], versions: [], releases: [] })
  })

  it('`--dry-run --only hello` does not deploy hello', async () => {
    const dry = await suite.agent.cli(['deploy', '--dry-run', '--only', 'hello'], { cwd: suite.project.dir })
    expect(dry.code, dry.output).toBe(0)
    expect(dry.stdout).toMatch(/hello\s+would build/)
    expect(dry.stdout).not.toMatch(/other/)
    expect((await suite.agent.call('hello')).status).toBe(404)
    expect(await agentState(suite)).toEqual({ functions: [], versions: [], releases: [] })
  })

  it('after deploys: changed, unchanged, the version a build would get and the versions it would remove', async () => {
    expect((await suite.agent.cli(['deploy'], { cwd: suite.project.dir })).code).toBe(0)
    suite.project.write('functions/hello/index.ts', hello('v2'))
    expect((await suite.agent.cli(['deploy'], { cwd: suite.project.dir })).code).toBe(0)
    // Another function on the agent, not part of this project.
    expect((await suite.agent.cli(['deploy', 'elsewhere/stray'], { cwd: suite.project.dir })).code).toBe(0)
    suite.project.write('functions/hello/index.ts', hello('v3'))

    const before = await agentState(suite)
    const dry = await suite.agent.cli(['deploy', '--dry-run'], { cwd: suite.project.dir })
    expect(dry.code, dry.output).toBe(0)
    // keepVersions is 2: v3 and v2 stay, v1 would go.
    expect(dry.stdout).toMatch(/hello\s+would build\s+v3\s+new version; would remove v1 \(deploy\.keepVersions\)/)
    expect(dry.stdout).toMatch(new RegExp(`other\\s+unchanged\\s+v1\\s+http://other\\.localhost:${suite.agent.port}/`))
    expect(dry.output).toContain('On the agent but not in this project (a deploy leaves them alone; `lambda delete` removes one): stray')
    expect(dry.output).toContain('Dry run: 1 would be built, 1 unchanged, 0 failed')
    expect(await agentState(suite)).toEqual(before)
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'v2' })

    const json = await suite.agent.cli(['deploy', '--dry-run', '--json'], { cwd: suite.project.dir })
    expect(json.code, json.output).toBe(0)
    const result = JSON.parse(json.stdout)
    expect(result).toMatchObject({ dryRun: true, release: null, notInProject: ['stray'], summary: { built: 0, unchanged: 1, failed: 0, wouldBuild: 1 } })
    expect(result.functions).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'hello', status: 'would-build', version: 3, wouldRemove: [1], url: null }),
      expect.objectContaining({ name: 'other', status: 'unchanged', version: 1, wouldRemove: [] }),
    ]))
    expect(await agentState(suite)).toEqual(before)
  })

  it('a real deploy reports each phase as a plain line when piped, and its timings in --json', async () => {
    const deploy = await suite.agent.cli(['deploy', '--json'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    for (const step of [/hello: bundled in \d+ms/, /hello: uploaded [\d.]+ (B|kB) in \d+ms/, /hello: the agent builds the image and warms it up/, /hello: image built and warm in [\d.]+m?s/]) expect(deploy.stderr).toMatch(step)
    // No spinner, no cursor movement, no colour in a pipe.
    expect(deploy.output).not.toMatch(/[\u2800-\u28FF]|\u001B\[/)
    const result = JSON.parse(deploy.stdout)
    const deployed = result.functions.find((f: { name: string }) => f.name === 'hello')
    expect(deployed).toMatchObject({ status: 'built', version: 3, url: `http://hello.localhost:${suite.agent.port}/`, uploadBytes: expect.any(Number) })
    expect(deployed.phases).toEqual({ buildMs: expect.any(Number), uploadMs: expect.any(Number), agentMs: expect.any(Number) })
    expect(result.release).toMatchObject({ id: 3, partial: false, functions: { hello: 3, other: 1 } })
    console.log('hello deploy phases (ms):', deployed.phases)
    expect((await suite.agent.call('hello')).json()).toEqual({ message: 'v3' })
  })

  it('a failed deploy with --json is an error document that still holds every function\'s outcome', async () => {
    suite.project.write('functions/other/index.ts', 'export default (r: Request) => {\n')
    const deploy = await suite.agent.cli(['deploy', '--json'], { cwd: suite.project.dir })
    expect(deploy.code).toBe(1)
    const { error } = JSON.parse(deploy.stdout)
    expect(error).toMatchObject({ code: 'DEPLOY_FAILED', message: expect.stringContaining('Deploy incomplete') })
    expect(error.deploy.functions).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'other', status: 'failed', error: expect.objectContaining({ message: expect.stringContaining('functions/other/index.ts') }) }),
      expect.objectContaining({ name: 'hello', status: 'unchanged' }),
    ]))
  })
})

describe('lambda deploy in a pipe: results on stdout, progress on stderr', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({ 'functions/hello/index.ts': hello('v1') }))

  it('"Deploying 1 function(s)" and each phase go to stderr; the result line, the release and the summary to stdout', async () => {
    await suite.agent.cli(['deploy', 'functions/hello', '--name', 'stray'], { cwd: suite.project.dir })
    const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    expect(deploy.stderr).toContain(`Deploying 1 function(s) to http://127.0.0.1:${suite.agent.port}`)
    expect(deploy.stderr).toMatch(/hello: bundled in \d+ms/)
    expect(deploy.stderr).toContain('On the agent but not in this project (a deploy leaves them alone; `lambda delete` removes one): stray')
    const stdout = deploy.stdout.trimEnd().split('\n')
    expect(stdout).toHaveLength(3)
    expect(stdout[0]).toMatch(new RegExp(`^hello\\s+built\\s+v1\\s+http://hello\\.localhost:${suite.agent.port}/`))
    expect(stdout[1]).toBe('Release #1: hello@v1')
    expect(stdout[2]).toMatch(/^1 built, 0 unchanged, 0 failed in /)
  })
})
