import type { AgentProcess } from './helpers/agent'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { version } from '../package.json'
import { startAgentProcess } from './helpers/agent'
import { runCli } from './helpers/cli'
import { describeDocker } from './helpers/docker'
import { npm, npmInstallOffline } from './helpers/npm'
import { repoRoot } from './helpers/paths'

const run = promisify(execFile)
const work = mkdtempSync(join(tmpdir(), 'lambda-package-'))
const prefix = join(work, 'prefix')
const installed = join(prefix, 'lib', 'node_modules', 'mini-lambda')
/** The `lambda` that `npm install -g` put on the PATH of the temporary prefix. */
const lambdaBin = join(prefix, 'bin', 'lambda')

let tarball: string
let files: string[]

beforeAll(async () => {
  // dist/ is what `npm run build` made before the tests: packing without scripts leaves it in place for the
  // suites running beside this one (the real `npm pack` rebuilds it first, through "prepare").
  const { stdout } = await npm(['pack', '--ignore-scripts', '--pack-destination', work], repoRoot)
  tarball = join(work, stdout.trim().split('\n').pop()!)
  files = (await run('tar', ['tzf', tarball])).stdout.split('\n').filter(Boolean).map(f => f.replace(/^package\//, ''))
  // Offline, from this machine's npm cache (see npmInstallOffline).
  await npmInstallOffline(['-g', '--prefix', prefix, tarball], work)
}, 420_000)
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('npm pack: a self-contained package', () => {
  it('holds the built CLI, the runtime, the templates and the docs, and no sources or tests', () => {
    expect(tarball).toMatch(new RegExp(`mini-lambda-${version.replace(/\./g, '\\.')}\\.tgz$`))
    for (const file of ['package.json', 'bin/lambda.mjs', 'dist/cli/index.mjs', 'dist/index.mjs', 'dist/index.d.mts', 'runtime/bootstrap.mjs', 'runtime/link.mjs', 'docs/agent.md', 'docs/tls.md']) { expect(files, file).toContain(file) }
    expect(files.some(f => f.startsWith('templates/'))).toBe(true)
    expect(files.filter(f => /^(?:src|test|bench|node_modules|\.github|\.ci)\//.test(f))).toEqual([])
  })

  it('declares what an install needs: the bin, Node 20.19+, a build before packing', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
    expect(pkg.bin).toEqual({ lambda: './bin/lambda.mjs' })
    expect(pkg.engines.node).toBe('>=20.19.0')
    expect(pkg.scripts.prepare).toBe('unbuild')
  })
})

describe('npm install -g ./mini-lambda-<version>.tgz in an empty prefix, offline', () => {
  it('puts a working `lambda` on the PATH, running from the installed package only', async () => {
    expect(realpathSync(lambdaBin)).toBe(join(realpathSync(installed), 'bin', 'lambda.mjs'))
    const versionOut = await runCli(['--version'], { cli: lambdaBin, cwd: work })
    expect(versionOut.code, versionOut.output).toBe(0)
    expect(versionOut.stdout.trim()).toBe(version)
    // Everything it loads resolves inside the prefix: the unit it would install runs that copy.
    const unit = await runCli(['agent', 'install', '--dry-run', '--json'], { cli: lambdaBin, cwd: work })
    expect(unit.code, unit.output).toBe(0)
    expect(JSON.parse(unit.stdout).unit).toContain(`ExecStart=${process.execPath} ${realpathSync(installed)}/bin/lambda.mjs agent`)
    // Its dependencies came with it (from the npm cache), into the package's own node_modules.
    expect(existsSync(join(installed, 'node_modules', 'h3', 'package.json'))).toBe(true)
  })

  describe('lambda init, lambda agent (process provider) and lambda deploy from the installed package', () => {
    let agent: AgentProcess
    beforeAll(async () => {
      agent = await startAgentProcess({ provider: 'process', cli: lambdaBin })
    })
    afterAll(async () => {
      await agent?.stop()
      agent?.cleanup()
    })

    it('a new project from the shipped templates deploys and answers', async () => {
      const init = await runCli(['init', 'app'], { cli: lambdaBin, cwd: work })
      expect(init.code, init.output).toBe(0)
      // The installed package packs itself into the project it creates.
      expect(existsSync(join(work, 'app', 'vendor', `mini-lambda-${version}.tgz`))).toBe(true)
      const deploy = await agent.cli(['deploy'], { cwd: join(work, 'app') })
      expect(deploy.code, deploy.output).toBe(0)
      const hello = await agent.call('hello')
      expect(hello.status).toBe(200)
      expect(hello.json().message).toBe('Hello, World!')
    })
  })
})

describeDocker('the installed package with Docker: the base image comes from this Node and the shipped runtime', () => {
  let agent: AgentProcess
  beforeAll(async () => {
    agent = await startAgentProcess({ provider: 'docker', cli: lambdaBin })
  })
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
  })

  it('deploys a function into a container and calls it', async () => {
    const dir = join(work, 'docker-app')
    expect((await runCli(['init', dir], { cli: lambdaBin, cwd: work })).code).toBe(0)
    const deploy = await agent.cli(['deploy'], { cwd: dir })
    expect(deploy.code, deploy.output).toBe(0)
    const hello = await agent.call('hello')
    expect(hello.status).toBe(200)
    expect(hello.json().message).toBe('Hello, World!')
  })
})
