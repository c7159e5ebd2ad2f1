import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { version } from '../../package.json'
import { tempDir } from '../helpers/cleanups'
import { runCli } from '../helpers/cli'
import { startDev } from '../helpers/dev'
import { npm, npmInstallOffline } from '../helpers/npm'

/** A package of our own, packed here: installing it needs no registry. */
async function packTinyPackage(dir: string): Promise<string> {
  const source = join(dir, 'tiny-shout')
  mkdirSync(source)
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name: 'tiny-shout', version: '1.0.0', type: 'module', main: 'index.js', types: 'index.d.ts' }))
  writeFileSync(join(source, 'index.js'), 'export const shout = text => `${text.toUpperCase()}!`\n')
  writeFileSync(join(source, 'index.d.ts'), 'export declare function shout(text: string): string\n')
  const { stdout } = await npm(['pack', '--pack-destination', dir], source)
  return join(dir, stdout.trim().split('\n').pop()!)
}

describe('a project from lambda init installs npm packages, whether or not Mini Lambda is on a registry', () => {
  it('npm install <a package> succeeds; the config still loads, the function uses the package, tsc finds defineConfig\'s types', async () => {
    const dir = tempDir('lambda-init-install-')
    const init = await runCli(['init', 'app'], { cwd: dir })
    expect(init.code, init.output).toBe(0)
    const app = join(dir, 'app')
    // The toolkit the project depends on is inside it: it installs on any machine, offline too.
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))
    expect(pkg.devDependencies['mini-lambda']).toBe(`file:vendor/mini-lambda-${version}.tgz`)
    expect(existsSync(join(app, 'vendor', `mini-lambda-${version}.tgz`))).toBe(true)

    const tarball = await packTinyPackage(dir)
    await npmInstallOffline([tarball], app)
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies['tiny-shout']).toMatch(/^file:/)
    expect(existsSync(join(app, 'node_modules', 'mini-lambda', 'dist', 'index.d.mts'))).toBe(true)

    writeFileSync(join(app, 'functions/hello/index.ts'), [
      'import type { FunctionContext } from \'mini-lambda\'',
      'import { shout } from \'tiny-shout\'',
      '',
      'export default (_request: Request, context: FunctionContext) => ({ message: shout(\'hello\'), requestId: context.requestId })',
      '',
    ].join('\n'))
    const build = await runCli(['build'], { cwd: app })
    expect(build.code, build.output).toBe(0)
    const dev = await startDev(app)
    try {
      expect((await dev.call('hello')).json().message).toBe('HELLO!')
    }
    finally {
      await dev.stop()
    }

    // The project's own TypeScript checks lambda.config.ts and the function against the toolkit's types...
    expect(existsSync(join(app, 'node_modules', '.bin', 'tsc'))).toBe(true)
    await expect(npm(['exec', '--offline', '--', 'tsc', '-p', '.'], app), 'tsc -p .').resolves.toBeDefined()
    // ...and the types are real: an option that does not exist is an error.
    writeFileSync(join(app, 'lambda.config.ts'), 'import { defineConfig } from \'mini-lambda\'\n\nexport default defineConfig({ functions: { hello: { timeot: 10 } } })\n')
    const typo = await npm(['exec', '--offline', '--', 'tsc', '-p', '.'], app).then(() => undefined, (error: { stdout: string }) => error.stdout)
    expect(typo).toContain('timeot')
  }, 600_000)
})
