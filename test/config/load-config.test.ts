import type { TempProject } from '../helpers/project'
import { afterEach, describe, expect, it } from 'vitest'
import { loadLambdaOptions } from '../../src/config/load'
import { runCli } from '../helpers/cli'
import { createProject } from '../helpers/project'

const projects: TempProject[] = []
const project = (files: Record<string, string>) => {
  const p = createProject(files)
  projects.push(p)
  return p
}
afterEach(() => {
  for (const p of projects.splice(0)) p.remove()
})

const hello = { 'functions/hello/index.ts': 'export default () => ({ message: "hi" })\n' }

describe('loading lambda.config', () => {
  it('loads a TypeScript config that imports defineConfig from mini-lambda, outside the repo, with nothing installed', async () => {
    const p = project({ ...hello, 'lambda.config.ts': 'import { defineConfig } from \'mini-lambda\'\nexport default defineConfig({ functions: { hello: { timeout: 7, memory: 256, env: { A: \'1\' } } } })\n' })
    const options = await loadLambdaOptions({ cwd: p.dir })
    expect(options.configFile).toBe(`${p.dir}/lambda.config.ts`)
    expect(options.functions).toHaveLength(1)
    expect(options.functions[0]).toMatchObject({ name: 'hello', kind: 'node', entry: `${p.dir}/functions/hello/index.ts`, timeout: 7, memory: 256, env: { A: '1' } })
    // and through the real CLI
    const result = await runCli(['build'], { cwd: p.dir })
    expect(result.code, result.output).toBe(0)
  })

  it.each([
    ['lambda.config.mjs', 'export default { functions: { hello: { timeout: 3 } } }\n'],
    ['lambda.config.js', 'export default { functions: { hello: { timeout: 3 } } }\n'],
    ['lambda.config.json', '{ "functions": { "hello": { "timeout": 3 } } }\n'],
  ])('loads %s', async (file, content) => {
    const p = project({ ...hello, [file]: content, 'package.json': '{"type":"module"}' })
    const options = await loadLambdaOptions({ cwd: p.dir })
    expect(options.functions[0]!.timeout).toBe(3)
  })

  it('applies defaults when a function is only discovered', async () => {
    const p = project({ ...hello, 'functions/_shared/util.ts': 'export const x = 1\n', 'functions/lib-only/README.md': 'not a function' })
    const options = await loadLambdaOptions({ cwd: p.dir })
    expect(options.functions.map(f => f.name)).toEqual(['hello'])
    expect(options.functions[0]).toMatchObject({ timeout: 30, memory: 128, env: {}, auth: 'none', network: false, minInstances: 0 })
  })

  it('applies environment overrides ($production, $env.staging)', async () => {
    const p = project({
      ...hello,
      'lambda.config.ts': `export default {
        functions: { hello: { memory: 128 } },
        $production: { functions: { hello: { memory: 512 } } },
        $env: { staging: { functions: { hello: { memory: 256 } } } },
      }\n`,
    })
    expect((await loadLambdaOptions({ cwd: p.dir })).functions[0]!.memory).toBe(128)
    expect((await loadLambdaOptions({ cwd: p.dir, envName: 'production' })).functions[0]!.memory).toBe(512)
    expect((await loadLambdaOptions({ cwd: p.dir, envName: 'staging' })).functions[0]!.memory).toBe(256)
  })

  it('merges defaults, function options and schedules', async () => {
    const p = project({
      ...hello,
      'functions/other/index.ts': 'export default () => 1\n',
      'lambda.config.ts': `export default {
        defaults: { memory: 256, env: { SHARED: 'yes' } },
        functions: { hello: { env: { OWN: 'x' }, schedule: ['*/5 * * * *', { cron: '0 9 * * 1', timezone: 'Europe/Berlin', payload: { a: 1 } }] } },
      }\n`,
    })
    const [hello_, other] = (await loadLambdaOptions({ cwd: p.dir })).functions
    expect(hello_).toMatchObject({ name: 'hello', memory: 256, env: { SHARED: 'yes', OWN: 'x' } })
    expect(hello_!.schedule).toEqual([
      { cron: '*/5 * * * *', timezone: 'UTC', enabled: true, overlap: 'skip', catchUp: false },
      { cron: '0 9 * * 1', timezone: 'Europe/Berlin', payload: { a: 1 }, enabled: true, overlap: 'skip', catchUp: false },
    ])
    expect(other).toMatchObject({ name: 'other', memory: 256, env: { SHARED: 'yes' } })
  })
})

describe('invalid config stops with an error naming the file, key, value and fix', () => {
  const expectError = async (files: Record<string, string>, ...needles: string[]) => {
    const p = project(files)
    const result = await runCli(['build'], { cwd: p.dir })
    expect(result.code).toBe(1)
    for (const needle of needles) expect(result.output).toContain(needle)
    return result.output
  }

  it('a function name that is not a DNS label', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { functions: { My_Func: { entry: \'functions/hello/index.ts\' } } }\n' }, 'lambda.config.ts', 'functions.My_Func', '\'My_Func\'', 'DNS label', 'Fix: rename it to \'my-func\'')
  })

  it('a discovered folder whose name is not a DNS label is reported against the folder, not the config file', async () => {
    const output = await expectError({ ...hello, 'functions/Hello World/index.ts': 'export default () => 1\n', 'lambda.config.ts': 'export default { functions: { hello: { timeout: 5 } } }\n' }, 'Invalid function folder functions/Hello World:', 'the folder name \'Hello World\' is not a valid function name', 'DNS label', 'rename it to \'hello-world\'')
    expect(output).not.toContain('lambda.config.ts')
  })

  it('a project without lambda.config.ts: a bad folder name never mentions one', async () => {
    const output = await expectError({ 'functions/api/index.ts': 'export default () => 1\n', 'functions/My_Func/index.ts': 'export default () => 1\n' }, 'Invalid function folders:', 'functions/api: the folder name \'api\' is reserved', 'functions/My_Func: the folder name \'My_Func\'', 'rename it to \'my-func\'')
    expect(output).not.toContain('lambda.config.ts')
  })

  it('a bad folder and a config mistake are reported together, each against its own file', async () => {
    await expectError({ 'functions/Bad Name/index.ts': 'export default () => 1\n', 'lambda.config.ts': 'export default { functions: { ghost: {} } }\n' }, 'Invalid config in lambda.config.ts:', 'functions.ghost.entry', 'Invalid function folder functions/Bad Name:')
  })

  it('a reserved name', async () => {
    await expectError({ 'lambda.config.ts': 'export default { functions: { api: { entry: \'x.ts\' } } }\n', 'x.ts': 'export default () => 1' }, 'functions.api', 'is reserved', 'rename it')
  })

  it('a missing entry file', async () => {
    await expectError({ 'lambda.config.ts': 'export default { functions: { ghost: { entry: \'functions/ghost/main.ts\' } } }\n' }, 'lambda.config.ts', 'functions.ghost.entry', '\'functions/ghost/main.ts\'', 'does not exist', 'Fix: create functions/ghost/main.ts')
  })

  it('a configured function with no entry at all', async () => {
    await expectError({ 'lambda.config.ts': 'export default { functions: { ghost: {} } }\n' }, 'functions.ghost.entry', 'index.ts', 'lambda new ghost')
  })

  it('a negative timeout', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { functions: { hello: { timeout: -5 } } }\n' }, 'lambda.config.ts', 'functions.hello.timeout = -5', 'number of seconds', 'Fix: set functions.hello.timeout to a value such as 30')
  })

  it('an unknown key, with a suggestion', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { functions: { hello: { timout: 5 } } }\n' }, 'functions.hello.timout = 5', 'is not a known option', 'did you mean \'timeout\'')
  })

  it('an unknown top-level key', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { functoins: {} }\n' }, 'functoins', 'did you mean \'functions\'')
  })

  it('an invalid cron schedule', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { functions: { hello: { schedule: \'every minute\' } } }\n' }, 'functions.hello.schedule', 'not a valid cron expression')
  })

  it('reports every problem at once', async () => {
    const output = await expectError({ ...hello, 'lambda.config.ts': 'export default { functions: { hello: { timeout: 0, memory: \'big\', auth: \'maybe\' } } }\n' }, 'functions.hello.timeout = 0', 'functions.hello.memory = \'big\'', 'functions.hello.auth = \'maybe\'')
    expect(output).toContain('\'none\' or \'key\'')
  })

  it('a typo in an environment key ($prodution) is an error with a suggestion, whatever the environment', async () => {
    for (const env of [[], ['--env', 'production']]) {
      const p = project({ ...hello, 'lambda.config.ts': 'export default { $production: {}, $prodution: { functions: { hello: { memory: 512 } } } }\n' })
      const result = await runCli(['build', ...env], { cwd: p.dir })
      expect(result.code).toBe(1)
      expect(result.output).toContain('Invalid config in lambda.config.ts')
      expect(result.output).toContain('$prodution = {"functions":{"hello":{"memory":512}}}: $prodution is not a known environment key')
      expect(result.output).toContain('did you mean \'$production\'?')
    }
  })

  it('a custom environment as a top-level $key is an error that points to $env', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { $staging: { defaults: { memory: 256 } } }\n' }, '$staging', 'not a known environment key', '$env: { staging: { … } }')
  })

  it('an environment block is checked even when another environment is chosen', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { $env: { qa: { functions: { hello: { memroy: 1 } } } }, $production: { defaults: 3 } }\n' }, '$env.qa.functions.hello.memroy = 1', 'did you mean \'memory\'', '$production.defaults = 3', 'must be an object')
  })

  it('a mistake in the chosen environment is reported once, where it is written', async () => {
    const p = project({ ...hello, 'lambda.config.ts': 'export default { $production: { functions: { hello: { timeout: -1 } } } }\n' })
    const result = await runCli(['build', '--env', 'production'], { cwd: p.dir })
    expect(result.code).toBe(1)
    expect(result.output).toContain('$production.functions.hello.timeout = -1')
    expect(result.output).toContain('Fix: set $production.functions.hello.timeout to a value such as 30')
    expect(result.output.match(/functions\.hello\.timeout = -1/g)).toHaveLength(1)
  })

  it('--env naming an environment the config does not define is an error, with a suggestion', async () => {
    const p = project({ ...hello, 'lambda.config.ts': 'export default { $production: {}, $env: { staging: { functions: { hello: { memory: 256 } } } } }\n' })
    const typo = await runCli(['build', '--env', 'stagin'], { cwd: p.dir })
    expect(typo.code).toBe(1)
    expect(typo.output).toContain('The environment "stagin" (--env) is not defined in lambda.config.ts: it defines production, staging.')
    expect(typo.output).toContain('Did you mean --env staging?')
    expect((await runCli(['build', '--env', 'staging'], { cwd: p.dir })).code).toBe(0)
    // NODE_ENV is a default, not a choice: one with no block applies nothing and is fine
    expect((await runCli(['build'], { cwd: p.dir, env: { NODE_ENV: 'ci' } })).code).toBe(0)
    // A config that defines no environments applies nothing for any --env (CI scripts pass one anyway).
    const plain = project({ ...hello, 'lambda.config.ts': 'export default {}\n' })
    expect((await runCli(['build', '--env', 'production'], { cwd: plain.dir })).code).toBe(0)
  })

  it('$schema in a JSON config is accepted and ignored', async () => {
    const p = project({ ...hello, 'lambda.config.json': '{ "$schema": "./lambda.schema.json", "functions": { "hello": { "timeout": 4 } } }\n' })
    expect((await loadLambdaOptions({ cwd: p.dir })).functions[0]!.timeout).toBe(4)
  })

  it('a syntax error in the config names the file', async () => {
    await expectError({ ...hello, 'lambda.config.ts': 'export default { functions: { \n' }, 'lambda.config.ts', 'Could not load')
  })
})
