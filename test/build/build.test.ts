import type { TempProject } from '../helpers/project'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { createProject } from '../helpers/project'
import { startRuntime } from '../helpers/runtime'

const projects: TempProject[] = []
afterEach(() => {
  for (const p of projects.splice(0)) p.remove()
})

const withDependency = () => {
  const p = createProject({
    // A CommonJS dependency that requires a Node built-in: the classic ESM-bundle trap.
    'node_modules/left-pad-ish/package.json': '{ "name": "left-pad-ish", "version": "1.0.0", "main": "index.js" }',
    'node_modules/left-pad-ish/index.js': 'const path = require("node:path"); module.exports = (s, n) => String(s).padStart(n, "*") + path.sep',
    'functions/padded/index.ts': 'import pad from \'left-pad-ish\'\nexport default () => ({ padded: pad(\'x\', 4) })\n',
  })
  projects.push(p)
  return p
}

const manifest = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, '.lambda/build', name, 'function.json'), 'utf8'))

describe('lambda build', () => {
  it('writes one ESM bundle with a source map and a manifest per function', async () => {
    const p = withDependency()
    const result = await runCli(['build'], { cwd: p.dir })
    expect(result.code, result.output).toBe(0)
    const out = join(p.dir, '.lambda/build/padded')
    expect(existsSync(join(out, 'index.mjs'))).toBe(true)
    expect(existsSync(join(out, 'index.mjs.map'))).toBe(true)
    expect(readFileSync(join(out, 'index.mjs'), 'utf8')).toContain('sourceMappingURL=index.mjs.map')
    const m = manifest(p.dir, 'padded')
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(m.config).toMatchObject({ name: 'padded', timeout: 30, memory: 128 })
    expect(result.output).toContain(m.hash.slice(0, 12))
  })

  it('inlines dependencies: the artifact runs with no node_modules anywhere', async () => {
    const p = withDependency()
    await runCli(['build'], { cwd: p.dir })
    const isolated = mkdtempSync(join(tmpdir(), 'artifact-'))
    projects.push({ dir: isolated, write: () => {}, remove: () => rmSync(isolated, { recursive: true, force: true }) })
    cpSync(join(p.dir, '.lambda/build/padded'), isolated, { recursive: true })
    const runtime = await startRuntime(join(isolated, 'index.mjs'))
    try {
      expect((await runtime.request('/')).json()).toEqual({ padded: '***x/' })
    }
    finally {
      await runtime.stop()
    }
  })

  it('gives the same content hash for the same code and config, in any folder', async () => {
    const a = withDependency()
    const b = withDependency()
    await runCli(['build'], { cwd: a.dir })
    await runCli(['build'], { cwd: b.dir })
    expect(manifest(a.dir, 'padded').hash).toBe(manifest(b.dir, 'padded').hash)
  })

  it('changes the hash when the code or the function config changes', async () => {
    const p = withDependency()
    await runCli(['build'], { cwd: p.dir })
    const first = manifest(p.dir, 'padded').hash
    writeFileSync(join(p.dir, 'lambda.config.ts'), 'export default { functions: { padded: { memory: 256 } } }\n')
    await runCli(['build'], { cwd: p.dir })
    const second = manifest(p.dir, 'padded').hash
    expect(second).not.toBe(first)
    writeFileSync(join(p.dir, 'functions/padded/index.ts'), 'import pad from \'left-pad-ish\'\nexport default () => ({ padded: pad(\'y\', 4) })\n')
    await runCli(['build'], { cwd: p.dir })
    expect(manifest(p.dir, 'padded').hash).not.toBe(second)
  })

  it('changes the hash when only a schedule changes: a version carries its schedules', async () => {
    const p = withDependency()
    const hashWith = async (config: string) => {
      writeFileSync(join(p.dir, 'lambda.config.ts'), config)
      const result = await runCli(['build'], { cwd: p.dir })
      expect(result.code, result.output).toBe(0)
      return manifest(p.dir, 'padded').hash as string
    }
    const none = await hashWith('export default {}\n')
    const hourly = await hashWith('export default { functions: { padded: { schedule: \'0 * * * *\' } } }\n')
    const queued = await hashWith('export default { functions: { padded: { schedule: { cron: \'0 * * * *\', overlap: \'queue\' } } } }\n')
    expect(new Set([none, hourly, queued]).size).toBe(3)
    expect(await hashWith('export default { functions: { padded: { schedule: [\'0 * * * *\'] } } }\n')).toBe(hourly)
  })

  it('builds only the named functions, and reports build errors with esbuild\'s message', async () => {
    const p = createProject({
      'functions/good/index.ts': 'export default () => 1\n',
      'functions/bad/index.ts': 'export default () => {\n',
    })
    projects.push(p)
    const onlyGood = await runCli(['build', 'good'], { cwd: p.dir })
    expect(onlyGood.code, onlyGood.output).toBe(0)
    expect(onlyGood.output).not.toContain('bad')
    const all = await runCli(['build'], { cwd: p.dir })
    expect(all.code).toBe(1)
    expect(all.output).toContain('Build of function "bad" failed')
    expect(all.output).toContain('functions/bad/index.ts:2:0')
    expect(all.output).toContain('1 of 2 function(s) failed')
    const unknown = await runCli(['build', 'nope'], { cwd: p.dir })
    expect(unknown.code).toBe(2)
    expect(unknown.output).toContain('"nope" is not a function of this project')
  })
})
