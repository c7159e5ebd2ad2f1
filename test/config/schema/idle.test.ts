import type { TempProject } from '../../helpers/project'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDeployManifest } from '../../../src/agent/deploy/deploy-manifest'
import { contentHash } from '../../../src/build/hash'
import { loadLambdaOptions } from '../../../src/config/load'
import { resolveIdleConfig } from '../../../src/config/schema/idle'
import { validateConfig } from '../../../src/config/validate'
import { createProject } from '../../helpers/project'

let project: TempProject
beforeAll(() => {
  project = createProject({ 'functions/hello/index.ts': 'export default () => 1\n' })
})
afterAll(() => project.remove())

const cliIssues = (idle: unknown) => validateConfig({ functions: { hello: { idle } } })

/** What the agent makes of an upload whose `idle` is this. */
async function agentReads(idle: unknown) {
  writeFileSync(join(project.dir, '.mini-lambda.json'), JSON.stringify({ name: 'hello', kind: 'node', hash: 'a'.repeat(64), config: { name: 'hello', kind: 'node', idle } }))
  return readDeployManifest(project.dir, 'hello')
}

async function loadWith(config: string) {
  writeFileSync(join(project.dir, 'lambda.config.ts'), config)
  return loadLambdaOptions({ cwd: project.dir })
}

describe('idle: when an idle instance is paused and when it is stopped', () => {
  it('takes seconds or durations with a unit, and resolves them to seconds', () => {
    expect(cliIssues({ pauseAfter: '500ms', stopAfter: '5m' })).toEqual([])
    expect(resolveIdleConfig({ pauseAfter: '500ms', stopAfter: '5m' })).toEqual({ pauseAfter: 0.5, stopAfter: 300 })
    expect(resolveIdleConfig({ pauseAfter: 2, stopAfter: '1h' })).toEqual({ pauseAfter: 2, stopAfter: 3600 })
    expect(resolveIdleConfig({ pauseAfter: false, stopAfter: false })).toEqual({ pauseAfter: false, stopAfter: false })
    expect(resolveIdleConfig({})).toEqual({ pauseAfter: 10 })
  })

  it('refuses what is not a duration, out of range, or an unknown key, saying how to fix it', () => {
    expect(cliIssues({ pauseAfter: '10 minutes' })).toEqual([{
      path: 'functions.hello.idle.pauseAfter',
      value: '10 minutes',
      problem: 'must be a duration from 0.1 s to 7 days (seconds as a number, or a string such as \'10s\'), or false',
      fix: 'set functions.hello.idle.pauseAfter to a value such as 10, or false to turn it off',
    }])
    expect(cliIssues({ stopAfter: 0 }).map(i => i.path)).toEqual(['functions.hello.idle.stopAfter'])
    expect(cliIssues({ stopAfter: true }).map(i => i.path)).toEqual(['functions.hello.idle.stopAfter'])
    expect(cliIssues({ stopAfter: '8d' }).map(i => i.path)).toEqual(['functions.hello.idle.stopAfter'])
    expect(cliIssues({ pauseAfter: 1e9 }).map(i => i.path)).toEqual(['functions.hello.idle.pauseAfter'])
    const [typo] = cliIssues({ pauseAfer: 5 })
    expect(typo).toMatchObject({ path: 'functions.hello.idle.pauseAfer', problem: 'is not a known option' })
    expect(typo!.fix).toContain('did you mean \'pauseAfter\'?')
  })

  it('pauseAfter must be shorter than stopAfter, in a function, in defaults, and between the two', async () => {
    const [issue] = cliIssues({ pauseAfter: '1m', stopAfter: 30 })
    expect(issue).toMatchObject({ path: 'functions.hello.idle.pauseAfter', value: '1m' })
    expect(issue!.problem).toContain('is not shorter than stopAfter (30)')
    expect(issue!.fix).toContain('make pauseAfter shorter than stopAfter')
    expect(validateConfig({ defaults: { idle: { pauseAfter: 5, stopAfter: 5 } } }).map(i => i.path)).toEqual(['defaults.idle.pauseAfter'])
    // Each block alone is fine; merged, defaults' stop comes before the function's pause.
    await expect(loadWith(`export default { defaults: { idle: { stopAfter: 5 } }, functions: { hello: { idle: { pauseAfter: 20 } } } }\n`))
      .rejects
      .toThrow(/functions\.hello\.idle\.pauseAfter = 20: pauseAfter is not shorter than stopAfter \(5\)/)
  })

  it('the default pause gives way to a shorter stop instead of failing', async () => {
    const [fn] = (await loadWith(`export default { functions: { hello: { idle: { stopAfter: '5s' } } } }\n`)).functions
    expect(fn!.idle).toEqual({ pauseAfter: false, stopAfter: 5 })
  })

  it('the agent checks an upload\'s idle with the same rules, and accepts what the CLI resolved', async () => {
    const refused = await agentReads({ pauseAfter: 60, stopAfter: 30 }).then(() => undefined, (error: { code: string, message: string }) => error)
    expect(refused?.code).toBe('CONFIG_INVALID')
    expect(refused?.message).toContain('functions.hello.idle.pauseAfter = 60: pauseAfter is not shorter than stopAfter (30)')
    expect((await agentReads(resolveIdleConfig({ pauseAfter: '2s', stopAfter: '1m' }))).config.idle).toEqual({ pauseAfter: 2, stopAfter: 60 })
    // An upload from an older CLI says nothing about idle: the defaults apply.
    expect((await agentReads(undefined)).config.idle).toEqual({ pauseAfter: 10 })
  })

  it('is part of the content hash, by value: \'1m\' and 60 are the same setting', async () => {
    const hashOf = async (idle: string) => contentHash('bundle', (await loadWith(`export default { functions: { hello: { idle: ${idle} } } }\n`)).functions[0]!)
    expect(await hashOf(`{ stopAfter: '1m' }`)).toBe(await hashOf('{ stopAfter: 60 }'))
    expect(await hashOf('{ stopAfter: 60 }')).not.toBe(await hashOf('{ stopAfter: 61 }'))
    expect(await hashOf('{ pauseAfter: 2 }')).not.toBe(await hashOf('{ pauseAfter: false }'))
  })
})
