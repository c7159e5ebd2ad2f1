import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../helpers/cli'
import { startDev } from '../helpers/dev'
import { repoRoot } from '../helpers/paths'

const dirs: string[] = []
const emptyDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-init-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('lambda init', () => {
  it('creates a project in an empty folder that lambda dev serves at once', async () => {
    const dir = emptyDir()
    const init = await runCli(['init', 'my-app'], { cwd: dir })
    expect(init.code, init.output).toBe(0)
    const app = join(dir, 'my-app')
    for (const file of ['lambda.config.ts', 'package.json', 'tsconfig.json', '.gitignore', 'functions/hello/index.ts']) expect(existsSync(join(app, file)), file).toBe(true)
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))
    expect(pkg.name).toBe('my-app')

    const dev = await startDev(app)
    try {
      const res = await dev.call('hello', '/?name=Ada')
      expect(res.status).toBe(200)
      expect(res.json()).toMatchObject({ message: 'Hello, Ada!' })
      expect(res.json().requestId).toBe(res.headers['x-request-id'])
    }
    finally {
      await dev.stop()
    }
  })

  it('writes a project that means the same on another machine: the toolkit it depends on inside it, no absolute path of this one', async () => {
    const dir = emptyDir()
    const init = await runCli(['init', 'portable'], { cwd: dir })
    expect(init.code, init.output).toBe(0)
    const app = join(dir, 'portable')
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
    // A path inside the project: it installs wherever the project is cloned, with or without a registry.
    expect(pkg.devDependencies['mini-lambda']).toBe(`file:vendor/mini-lambda-${version}.tgz`)
    const tarball = join(app, 'vendor', `mini-lambda-${version}.tgz`)
    const packed = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n')
    for (const file of ['package/package.json', 'package/dist/index.d.mts', 'package/bin/lambda.mjs']) expect(packed, file).toContain(file)
    expect(packed.filter(file => /^package\/(?:src|test|node_modules)\//.test(file))).toEqual([])

    // No file of the project names a place on this machine: not the toolkit, not the project, not the home folder.
    const machinePaths = [repoRoot.replace(/\/$/, ''), realpathSync(repoRoot), dir, realpathSync(dir), homedir(), tmpdir()].filter(p => p.length > 1)
    const files = readdirSync(app, { recursive: true, withFileTypes: true }).filter(entry => entry.isFile() && !entry.name.endsWith('.tgz'))
    expect(files.length).toBeGreaterThanOrEqual(5)
    for (const entry of files) {
      const content = readFileSync(join(entry.parentPath, entry.name), 'utf8')
      for (const path of machinePaths) expect(content, `${entry.name} names ${path}`).not.toContain(path)
    }
    // The CLI says what to commit, and never prints where the toolkit lives.
    expect(init.output).toContain(`vendor/mini-lambda-${version}.tgz: commit it`)
    expect(init.output).not.toContain(repoRoot.replace(/\/$/, ''))
  })

  it('never overwrites an existing file without --force', async () => {
    const dir = emptyDir()
    writeFileSync(join(dir, 'package.json'), '{ "name": "mine" }\n')
    const refused = await runCli(['init'], { cwd: dir })
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('Not overwriting existing file(s): package.json')
    expect(refused.output).toContain('--force')
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{ "name": "mine" }\n')
    // nothing else was written either
    expect(existsSync(join(dir, 'lambda.config.ts'))).toBe(false)
    const forced = await runCli(['init', '--force'], { cwd: dir })
    expect(forced.code, forced.output).toBe(0)
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toContain('lambda dev')
  })

  it('writes a GitHub Actions workflow that deploys on every push to main with the LAMBDA_HOST and LAMBDA_API_KEY secrets', async () => {
    const dir = emptyDir()
    const init = await runCli(['init'], { cwd: dir })
    expect(init.code, init.output).toBe(0)
    expect(init.output).toContain('created .github/workflows/deploy.yml')
    const workflow = parse(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8'))
    expect(workflow.on.push.branches).toEqual(['main'])
    const steps = workflow.jobs.deploy.steps as { name?: string, run?: string, env?: Record<string, string> }[]
    const runs = steps.map(step => step.run ?? '').join('\n')
    expect(runs).toContain('npm ci')
    expect(runs).toContain('npm test --if-present')
    expect(runs).toContain('lambda deploy --json')
    expect(runs).toContain('GITHUB_STEP_SUMMARY')
    expect(steps.find(step => step.name === 'Deploy')?.env).toEqual({ LAMBDA_HOST: '${{ secrets.LAMBDA_HOST }}', LAMBDA_API_KEY: '${{ secrets.LAMBDA_API_KEY }}' })
  })

  it('in an existing project adds only the files it lacks, such as the deploy workflow, and keeps every other', async () => {
    const dir = emptyDir()
    writeFileSync(join(dir, 'lambda.config.ts'), '// mine\n')
    writeFileSync(join(dir, 'package.json'), '{ "name": "mine" }\n')
    const init = await runCli(['init'], { cwd: dir })
    expect(init.code, init.output).toBe(0)
    expect(init.output).toContain('created .github/workflows/deploy.yml')
    expect(init.output).toContain('kept    lambda.config.ts')
    expect(init.output).toContain('kept    package.json')
    expect(readFileSync(join(dir, 'lambda.config.ts'), 'utf8')).toBe('// mine\n')
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{ "name": "mine" }\n')
    for (const file of ['.github/workflows/deploy.yml', 'tsconfig.json', '.gitignore']) expect(existsSync(join(dir, file)), file).toBe(true)
    // Its functions are its own: no sample function is added to a project that has a config already.
    expect(existsSync(join(dir, 'functions/hello'))).toBe(false)

    // A workflow the user edited is kept too; a second init has nothing to add.
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), '# edited\n')
    const again = await runCli(['init'], { cwd: dir })
    expect(again.code, again.output).toBe(0)
    expect(again.output).toContain('has every file already')
    expect(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8')).toBe('# edited\n')
  })
})

describe('lambda new', () => {
  it('adds web-standard and Lambda-style functions that both serve', async () => {
    const dir = emptyDir()
    await runCli(['init'], { cwd: dir })
    expect((await runCli(['new', 'greeter'], { cwd: dir })).code).toBe(0)
    const lambda = await runCli(['new', 'legacy', '--template', 'lambda'], { cwd: dir })
    expect(lambda.code, lambda.output).toBe(0)
    expect(readFileSync(join(dir, 'functions/legacy/index.ts'), 'utf8')).toContain('export const handler')

    const dev = await startDev(dir)
    try {
      expect((await dev.call('greeter', '/x')).json()).toEqual({ function: 'greeter', method: 'GET', path: '/x' })
      expect((await dev.call('legacy', '/y?a=1')).json()).toEqual({ function: 'legacy', path: '/y', query: { a: '1' } })
    }
    finally {
      await dev.stop()
    }
  })

  it('refuses an existing function, a bad name and an unknown template', async () => {
    const dir = emptyDir()
    await runCli(['new', 'dup'], { cwd: dir })
    writeFileSync(join(dir, 'functions/dup/index.ts'), '// edited\n')
    const again = await runCli(['new', 'dup'], { cwd: dir })
    expect(again.code).toBe(1)
    expect(again.output).toContain('already exists')
    expect(readFileSync(join(dir, 'functions/dup/index.ts'), 'utf8')).toBe('// edited\n')

    const bad = await runCli(['new', 'Not_Valid'], { cwd: dir })
    expect(bad.code).toBe(2)
    expect(bad.output).toContain('DNS label')
    expect(bad.output).toContain('not-valid')

    const template = await runCli(['new', 'x', '--template', 'cobol'], { cwd: dir })
    expect(template.code).toBe(2)
    expect(template.output).toContain('no function template "cobol"')
    expect(template.output).toMatch(/one of: .*lambda.*web/)
  })
})
