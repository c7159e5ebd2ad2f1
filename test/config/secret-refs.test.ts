import type { TempProject } from '../helpers/project'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadLambdaOptions } from '../../src/config/load'
import { runCli } from '../helpers/cli'
import { createProject } from '../helpers/project'

const projects: TempProject[] = []
afterEach(() => {
  for (const p of projects.splice(0)) p.remove()
})

const withConfig = (config: string) => {
  const p = createProject({
    'functions/hello/index.ts': 'export default () => ({ token: process.env.TOKEN ?? null })\n',
    'lambda.config.ts': `import { defineConfig, secret } from 'mini-lambda'\nexport default defineConfig(${config})\n`,
  })
  projects.push(p)
  return p
}

const loadError = (p: TempProject) => loadLambdaOptions({ cwd: p.dir }).then(() => undefined, (error: { code: string, message: string }) => error)
const builtManifest = (p: TempProject) => JSON.parse(readFileSync(join(p.dir, '.lambda/build/hello/function.json'), 'utf8'))

describe('secret() in lambda.config.ts', () => {
  it('is imported from mini-lambda and resolves to a serialisable ref, merged over defaults.env', async () => {
    const p = withConfig(`{ defaults: { env: { SHARED: secret('shared.key') } }, functions: { hello: { env: { TOKEN: secret('stripe-token'), PLAIN: 'x' } } } }`)
    const [fn] = (await loadLambdaOptions({ cwd: p.dir })).functions
    expect(fn!.env).toEqual({ SHARED: { secret: 'shared.key' }, TOKEN: { secret: 'stripe-token' }, PLAIN: 'x' })
  })

  it('rejects a ref to an invalid secret name, naming the variable and the rule', async () => {
    const p = withConfig(`{ functions: { hello: { env: { TOKEN: secret('Stripe Token') } } } }`)
    const error = await loadError(p)
    expect(error?.code).toBe('CONFIG_INVALID')
    expect(error?.message).toContain('functions.hello.env.TOKEN')
    expect(error?.message).toContain('a-z, 0-9')
  })

  it.each([
    ['a number', '5'],
    ['an object that is not a ref', '{ secret: \'tok\', fallback: \'x\' }'],
    ['a ref without a name', '{ secret: 7 }'],
  ])('rejects %s as an env value', async (_what, value) => {
    const p = withConfig(`{ functions: { hello: { env: { TOKEN: ${value} } } } }`)
    const error = await loadError(p)
    expect(error?.code).toBe('CONFIG_INVALID')
    expect(error?.message).toContain('functions.hello.env.TOKEN')
  })

  it('puts the ref, never a value, into the build manifest, and a different ref changes the content hash', async () => {
    const p = withConfig(`{ functions: { hello: { env: { TOKEN: secret('tok-a') } } } }`)
    const first = await runCli(['build'], { cwd: p.dir, env: { TOKEN: 'value-from-the-shell' } })
    expect(first.code, first.output).toBe(0)
    const a = builtManifest(p)
    expect(a.config.env).toEqual({ TOKEN: { secret: 'tok-a' } })
    expect(JSON.stringify(a)).not.toContain('value-from-the-shell')

    p.write('lambda.config.ts', `import { defineConfig, secret } from 'mini-lambda'\nexport default defineConfig({ functions: { hello: { env: { TOKEN: secret('tok-b') } } } })\n`)
    expect((await runCli(['build'], { cwd: p.dir })).code).toBe(0)
    expect(builtManifest(p).hash).not.toBe(a.hash)
  })
})
