import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { startDev } from '../helpers/dev'
import { createProject } from '../helpers/project'

const files = {
  'lambda.config.ts': 'import { defineConfig } from \'mini-lambda\'\n\nexport default defineConfig({ functions: { hello: { timeout: 5 } } })\n',
  'functions/hello/index.ts': 'export default () => ({ message: \'hello from the project\' })\n',
  'functions/echo/index.ts': 'export default (request: Request) => request.text()\n',
  'functions/hello/lib/words.ts': 'export const word = \'deep\'\n',
}

describe('run from a folder inside the project, every command finds lambda.config.ts above it', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject(files))
  const sub = () => join(suite.project.dir, 'functions', 'hello')

  it('lambda build from functions/hello builds the whole project, into the project\'s .lambda/', async () => {
    const result = await runCli(['build', '--json'], { cwd: join(sub(), 'lib') })
    expect(result.code, result.output).toBe(0)
    expect(JSON.parse(result.stdout).functions.map((f: { name: string }) => f.name).sort()).toEqual(['echo', 'hello'])
    expect(existsSync(join(suite.project.dir, '.lambda', 'build', 'hello'))).toBe(true)
    expect(existsSync(join(sub(), '.lambda'))).toBe(false)
    // Names are the project's too.
    const one = await runCli(['build', 'echo'], { cwd: sub() })
    expect(one.code, one.output).toBe(0)
  })

  it('lambda deploy from functions/hello deploys the project (its config included) and the functions answer', async () => {
    const deploy = await suite.agent.cli(['deploy'], { cwd: sub() })
    expect(deploy.code, deploy.output).toBe(0)
    expect(deploy.output).toContain('Deploying 2 function(s)')
    const hello = await suite.agent.call('hello')
    expect(hello.json()).toEqual({ message: 'hello from the project' })
    const list = await suite.agent.cli(['list', '--json'])
    expect(JSON.parse(list.stdout).find((f: { name: string }) => f.name === 'hello').config.timeout).toBe(5)
  })

  it('lambda dev from functions/hello serves the project\'s functions', async () => {
    const dev = await startDev(sub())
    try {
      expect((await dev.call('hello')).json()).toEqual({ message: 'hello from the project' })
      expect((await dev.call('echo', '/', { body: 'ping' })).text).toBe('ping')
    }
    finally {
      await dev.stop()
    }
  })

  it('lambda new from a subfolder adds the function to the project\'s functions/', async () => {
    const result = await runCli(['new', 'added'], { cwd: sub() })
    expect(result.code, result.output).toBe(0)
    expect(existsSync(join(suite.project.dir, 'functions', 'added', 'index.ts'))).toBe(true)
    expect(existsSync(join(sub(), 'functions'))).toBe(false)
  })

  it('--cwd names the project folder exactly: no search above it', async () => {
    const result = await runCli(['build', '--json', '--cwd', sub()])
    // functions/hello is no project of its own: the one above it is not looked for.
    expect(result.code, result.output).toBe(1)
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'NO_PROJECT', message: `No Mini Lambda project in ${sub()}: no lambda.config.* there, and no functions/ folder.` })
  })
})
