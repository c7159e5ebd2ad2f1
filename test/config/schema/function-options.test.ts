import type { ConfigIssue } from '../../../src/config/schema/checks'
import type { FunctionConfig, FunctionRuntimeConfig, LambdaConfig, ResolvedFunction } from '../../../src/config/types'
import type { TempProject } from '../../helpers/project'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { readDeployManifest } from '../../../src/agent/deploy/deploy-manifest'
import { loadLambdaOptions } from '../../../src/config/load'
import { checkFunctionOptions, FUNCTION_OPTIONS, FUNCTION_SOURCE_OPTIONS, mergeFunctionOptions, resolveFunctionOptions } from '../../../src/config/schema/function-options'
import { validateConfig } from '../../../src/config/validate'
import { repoRoot } from '../../helpers/paths'
import { createProject } from '../../helpers/project'

// These tests go over the declaration table, so an option added there is covered here at once:
// the CLI (validateConfig, loadLambdaOptions) and the agent (readDeployManifest) must agree on it.
const OPTIONS = Object.keys(FUNCTION_OPTIONS) as Array<keyof typeof FUNCTION_OPTIONS>
/** Wrong for every option there is: not a number, a string, a boolean, an object of variables or a schedule. */
const WRONG = [[]]

let project: TempProject
beforeAll(() => {
  project = createProject({ 'functions/hello/index.ts': 'export default () => 1\n' })
})
afterAll(() => project.remove())

/** What the agent makes of an upload whose config is `config`. */
async function agentReads(config: Record<string, unknown>) {
  writeFileSync(join(project.dir, '.mini-lambda.json'), JSON.stringify({ name: 'hello', kind: 'node', hash: 'a'.repeat(64), config: { name: 'hello', kind: 'node', ...config } }))
  return readDeployManifest(project.dir, 'hello')
}
const agentRefuses = (config: Record<string, unknown>) => agentReads(config).then(
  () => expect.unreachable('the agent accepted it'),
  (error: { code: string, message: string, data: { issues: ConfigIssue[] } }) => error,
)
const cliIssues = (fn: Record<string, unknown>) => validateConfig({ functions: { hello: fn } })

describe('a function option is declared once, and the CLI and the agent both follow it', () => {
  it.each(OPTIONS)('a wrong %s is refused by both, with the same problem and fix', async (key) => {
    const issues = cliIssues({ [key]: WRONG })
    expect(issues.length).toBeGreaterThan(0)
    for (const issue of issues) {
      expect(issue.path.startsWith(`functions.hello.${key}`)).toBe(true)
      expect(issue.fix).not.toBe('')
    }
    const refused = await agentRefuses({ [key]: WRONG })
    expect(refused.code).toBe('CONFIG_INVALID')
    expect(refused.data.issues).toEqual(issues)
    // and in `defaults`, which has the same options
    expect(validateConfig({ defaults: { [key]: WRONG } }).map(i => i.path)).toEqual(issues.map(i => i.path.replace('functions.hello.', 'defaults.')))
  })

  it.each(OPTIONS)('%s left out gets its declared default in both', async (key) => {
    const [fn] = (await loadLambdaOptions({ cwd: project.dir })).functions
    expect(fn![key]).toEqual(FUNCTION_OPTIONS[key].default)
    expect((await agentReads({})).config[key]).toEqual(FUNCTION_OPTIONS[key].default)
  })

  it.each(OPTIONS)('a typo of %s gets "did you mean" from both', async (key) => {
    const typo = `${key.slice(0, -2)}${key.at(-1)}${key.at(-2)}`
    const [issue] = cliIssues({ [typo]: 1 })
    expect(issue).toMatchObject({ path: `functions.hello.${typo}`, value: 1, problem: 'is not a known option' })
    expect(issue!.fix).toContain(`did you mean '${key}'?`)
    expect((await agentRefuses({ [typo]: 1 })).message).toContain(`did you mean '${key}'?`)
  })

  it('the agent refuses `entry` and `dir`: where code lives is the project\'s business, not an upload\'s', async () => {
    for (const key of Object.keys(FUNCTION_SOURCE_OPTIONS)) {
      expect(cliIssues({ [key]: 'functions/hello' })).toEqual([])
      expect((await agentRefuses({ [key]: 'functions/hello' })).message).toContain(`functions.hello.${key} = 'functions/hello': ${key} is not a known option`)
    }
  })

  it('what the CLI resolves passes the agent\'s checks and resolves to itself there', async () => {
    const written: FunctionConfig = { timeout: 5, memory: 256, cpu: 0.5, env: { A: '1', T: { secret: 'tok' } }, schedule: ['0 * * * *', { cron: '0 9 * * 1', timezone: 'Europe/Berlin', payload: { a: 1 }, enabled: false, overlap: 'queue', catchUp: true }], concurrency: 2, minInstances: 1, maxInstances: 3, auth: 'key', network: true }
    const resolved = resolveFunctionOptions(written)
    const issues: ConfigIssue[] = []
    expect(checkFunctionOptions(JSON.parse(JSON.stringify(resolved)), 'functions.hello', issues)).toBe(true)
    expect(issues).toEqual([])
    expect(resolveFunctionOptions(JSON.parse(JSON.stringify(resolved)))).toEqual(resolved)
    expect((await agentReads(JSON.parse(JSON.stringify(resolved)))).config).toEqual({ name: 'hello', kind: 'node', ...resolved })
  })

  it('rules between options hold in functions and in defaults', () => {
    expect(cliIssues({ minInstances: 5, maxInstances: 2 })).toEqual([{ path: 'functions.hello.minInstances', value: 5, problem: 'is greater than maxInstances (2)', fix: 'lower minInstances or raise maxInstances' }])
    expect(validateConfig({ defaults: { minInstances: 5, maxInstances: 2 } }).map(i => i.path)).toEqual(['defaults.minInstances'])
    // A higher minInstances from elsewhere (defaults) raises the maximum rather than failing.
    expect(resolveFunctionOptions({ minInstances: 20 }).maxInstances).toBe(20)
  })

  it('defaults and a function\'s own options merge as each option declares', () => {
    const merged = mergeFunctionOptions({ memory: 256, env: { SHARED: 'yes', A: 'defaults' }, timeout: 3 }, { env: { A: 'own' }, timeout: undefined, auth: 'key' })
    expect(merged).toEqual({ memory: 256, env: { SHARED: 'yes', A: 'own' }, timeout: 3, auth: 'key' })
  })

  it('defaults are never shared between functions', () => {
    const [a, b] = [resolveFunctionOptions({}), resolveFunctionOptions({})]
    a.env.X = 'changed'
    a.schedule.push({ cron: '* * * * *', timezone: 'UTC', enabled: true, overlap: 'skip', catchUp: false })
    expect(b).toMatchObject({ env: {}, schedule: [] })
    expect(FUNCTION_OPTIONS.env.default).toEqual({})
  })

  it('the TypeScript types follow from the table', () => {
    type Declared = keyof typeof FUNCTION_OPTIONS
    expectTypeOf<keyof FunctionConfig>().toEqualTypeOf<Declared | 'entry' | 'dir'>()
    expectTypeOf<keyof NonNullable<LambdaConfig['defaults']>>().toEqualTypeOf<Declared>()
    expectTypeOf<keyof FunctionRuntimeConfig>().toEqualTypeOf<Declared | 'name' | 'kind'>()
    expectTypeOf<FunctionConfig['timeout']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<FunctionConfig['auth']>().toEqualTypeOf<'none' | 'key' | undefined>()
    expectTypeOf<ResolvedFunction['auth']>().toEqualTypeOf<'none' | 'key'>()
    expectTypeOf<ResolvedFunction['schedule'][number]>().toEqualTypeOf<{ cron: string, timezone: string, payload?: unknown, enabled: boolean, overlap: 'skip' | 'allow' | 'queue', catchUp: boolean }>()
  })

  it('docs/config.md lists every option with its default', () => {
    const doc = readFileSync(join(repoRoot, 'docs/config.md'), 'utf8')
    for (const key of Object.keys(FUNCTION_SOURCE_OPTIONS)) expect(doc).toMatch(new RegExp(`^\\| \`${key}\` \\|`, 'm'))
    for (const key of OPTIONS) {
      const value = FUNCTION_OPTIONS[key].default
      const shown = Array.isArray(value) && value.length === 0 ? 'none' : `\`${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}\``
      expect(doc, `docs/config.md: | \`${key}\` | ${shown} | …`).toContain(`| \`${key}\` | ${shown} |`)
    }
  })
})
