import type { AgentProcess } from '../helpers/agent'
import type { TempProject } from '../helpers/project'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../helpers/agent'
import { repoRoot } from '../helpers/paths'
import { createProject } from '../helpers/project'

export interface ContractHooks {
  /** Ids of the agent's live instances, as the provider sees them (docker ps, child processes). */
  instancesOf?: (agent: AgentProcess, fn: string) => Promise<string[]>
}

/** A project with the three samples and the misbehaving fixtures. */
export function sampleProject(): TempProject {
  const project = createProject({}, { samples: true })
  cpSync(join(repoRoot, 'test/fixtures/agent-project'), project.dir, { recursive: true })
  for (const fn of ['crash', 'spin']) cpSync(join(repoRoot, 'test/fixtures/contract/functions', fn), join(project.dir, 'functions', fn), { recursive: true })
  return project
}

/**
 * The story every provider must tell the same way: deploy, call, redeploy, break, recover, delete.
 * Run against docker and process, as unstorage runs one suite against every driver.
 */
export function agentContract(provider: 'docker' | 'process', hooks: ContractHooks = {}) {
  let agent: AgentProcess
  let project: TempProject

  beforeAll(async () => {
    project = sampleProject()
    agent = await startAgentProcess({ provider })
  })
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    project?.remove()
  })

  describe('deploy and call', () => {
    it('deploys the whole project and each function answers on its host', async () => {
      const result = await agent.cli(['deploy'], { cwd: project.dir })
      expect(result.code, result.output).toBe(0)
      for (const name of ['hello', 'echo', 'calculator', 'crash', 'spin', 'hog']) {
        expect(result.output).toMatch(new RegExp(`${name}\\s+built\\s+v1\\s+http://${name}\\.localhost:${agent.port}/`))
      }
      expect((await agent.call('hello')).json()).toEqual({ message: 'Hello, World!' })
      const echo = await agent.call('echo', '/', { body: 'ping', headers: { 'content-type': 'text/plain' } })
      expect(echo.text).toBe('ping')
      expect(echo.headers['content-type']).toBe('text/plain')
      expect((await agent.call('calculator', '/mul?a=6&b=7')).json()).toMatchObject({ result: 42 })
      expect((await agent.call('calculator', '/div?a=1&b=0')).status).toBe(400)
    })

    it('forwards method, path, query, headers and body, adding X-Forwarded-* and X-Request-Id', async () => {
      project.write('functions/inspect/index.ts', readFileSync(join(repoRoot, 'test/fixtures/contract/functions/inspect/index.ts'), 'utf8'))
      expect((await agent.cli(['deploy', '--only', 'inspect'], { cwd: project.dir })).code).toBe(0)
      const res = await agent.call('inspect', '/x/y?q=1&q=2', { method: 'PATCH', body: 'data', headers: { 'x-custom': 'c', 'content-type': 'text/plain' } })
      const seen = res.json()
      expect(seen).toMatchObject({ method: 'PATCH', path: '/x/y', search: '?q=1&q=2', bodyText: 'data' })
      expect(seen.headers['x-custom']).toBe('c')
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1')
      expect(seen.headers['x-forwarded-host']).toBe(`inspect.localhost:${agent.port}`)
      expect(seen.headers['x-forwarded-proto']).toBe('http')
      expect(seen.headers['x-request-id']).toBe(res.headers['x-request-id'])
      expect(seen.context.requestId).toBe(res.headers['x-request-id'])
      expect(seen.context.version).toBe('1')
    })

    it('lambda list shows name, version, state, URL and last deploy; --json too', async () => {
      const table = await agent.cli(['list'])
      expect(table.code).toBe(0)
      expect(table.stdout).toMatch(/NAME\s+VERSION\s+STATE\s+URL\s+LAST DEPLOY/)
      expect(table.stdout).toMatch(new RegExp(`hello\\s+v1\\s+(running|paused|idle|starting)\\s+http://hello\\.localhost:${agent.port}/\\s+\\d{4}-`))
      const json = JSON.parse((await agent.cli(['list', '--json'])).stdout)
      expect(json.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['hello', 'echo', 'calculator']))
    })

    it('lambda invoke prints the response and fails on an error status', async () => {
      const ok = await agent.cli(['invoke', 'calculator', '--data', '{"op":"add","a":2,"b":2}'])
      expect(ok.code, ok.output).toBe(0)
      expect(JSON.parse(ok.stdout)).toMatchObject({ result: 4 })
      const bad = await agent.cli(['invoke', 'calculator', '--path', '/div?a=1&b=0'])
      expect(bad.code).toBe(1)
      expect(bad.output).toContain('Cannot divide by zero')
      const header = await agent.cli(['invoke', 'inspect', '-H', 'x-from-cli: yes'])
      expect(JSON.parse(header.stdout).headers['x-from-cli']).toBe('yes')
      expect(JSON.parse(header.stdout).headers.authorization).toBeUndefined()
    })
  })

  describe('redeploys', () => {
    it('an unchanged project rebuilds nothing', async () => {
      const result = await agent.cli(['deploy'], { cwd: project.dir })
      expect(result.code, result.output).toBe(0)
      expect(result.output).toMatch(/0 built, 7 unchanged, 0 failed/)
      expect(result.output).toMatch(/hello\s+unchanged\s+v1/)
    })

    it('changing one function rebuilds only it, as v2', async () => {
      writeFileSync(join(project.dir, 'functions/hello/index.ts'), 'export default () => ({ message: \'Hello, v2!\' })\n')
      const result = await agent.cli(['deploy'], { cwd: project.dir })
      expect(result.code, result.output).toBe(0)
      expect(result.output).toMatch(/hello\s+built\s+v2/)
      expect(result.output).toMatch(/1 built, 6 unchanged, 0 failed/)
      expect((await agent.call('hello')).json()).toEqual({ message: 'Hello, v2!' })
    })

    it('a function that throws at import fails the deploy with its own error and the old version keeps serving', async () => {
      writeFileSync(join(project.dir, 'functions/hello/index.ts'), 'throw new Error(\'cannot start: missing DATABASE_URL\')\nexport default () => 1\n')
      const result = await agent.cli(['deploy', '--only', 'hello'], { cwd: project.dir })
      expect(result.code).toBe(1)
      expect(result.output).toContain('cannot start: missing DATABASE_URL')
      expect(result.output).toMatch(/hello\s+failed/)
      expect((await agent.call('hello')).json()).toEqual({ message: 'Hello, v2!' })
      writeFileSync(join(project.dir, 'functions/hello/index.ts'), 'export default () => ({ message: \'Hello, v2!\' })\n')
    })

    it('a build error fails only that function, with esbuild\'s message', async () => {
      writeFileSync(join(project.dir, 'functions/echo/index.ts'), 'export default (r: Request) => {\n')
      const result = await agent.cli(['deploy'], { cwd: project.dir })
      expect(result.code).toBe(1)
      expect(result.output).toMatch(/echo\s+failed/)
      expect(result.output).toContain('functions/echo/index.ts')
      expect((await agent.call('echo', '/', { body: 'still here' })).text).toBe('still here')
      cpSync(join(repoRoot, 'functions/echo/index.ts'), join(project.dir, 'functions/echo/index.ts'))
    })
  })

  describe('failures answer in JSON and the function recovers', () => {
    it('unknown function: 404', async () => {
      const res = await agent.call('nope')
      expect(res.status).toBe(404)
      expect(res.json().error.code).toBe('FUNCTION_NOT_FOUND')
    })

    it('process.exit(): 502 naming the function; the next request is served', async () => {
      expect((await agent.call('crash')).status).toBe(200)
      const res = await agent.call('crash', '/exit')
      expect(res.status).toBe(502)
      expect(res.json().error).toMatchObject({ code: 'FUNCTION_CRASHED' })
      expect(res.json().error.message).toContain('"crash"')
      expect((await agent.call('crash')).status).toBe(200)
    })

    it('an endless loop: 504 after the timeout, and a fresh instance serves', async () => {
      const first = (await agent.call('spin')).text
      const res = await agent.call('spin', '/spin')
      expect(res.status).toBe(504)
      expect(res.json().error.code).toBe('FUNCTION_TIMEOUT')
      const after = await agent.call('spin')
      expect(after.status).toBe(200)
      expect(after.text).not.toBe(first)
    })

    it('blowing the memory limit: 502 that says the memory limit was hit', async () => {
      const res = await agent.call('hog', '/buffers', { timeoutMs: 60_000 })
      expect(res.status).toBe(502)
      expect(res.json().error.code).toBe('FUNCTION_OUT_OF_MEMORY')
      expect(res.json().error.message).toContain('memory limit of 64 MB')
      expect((await agent.call('hog')).status).toBe(200)
    })
  })

  describe('API keys', () => {
    it('the admin API refuses a missing or wrong key with 401 and a hint', async () => {
      const missing = await agent.admin('/functions', { key: null })
      expect(missing.status).toBe(401)
      expect(missing.json().error).toMatchObject({ code: 'API_KEY_REQUIRED' })
      expect(missing.json().error.hint).toContain('lambda config set-key')
      const wrong = await agent.admin('/functions', { key: `${agent.key.slice(0, -4)}AAAA` })
      expect(wrong.status).toBe(401)
      expect(wrong.json().error.code).toBe('INVALID_API_KEY')
      const cli = await agent.cli(['list'], { env: { LAMBDA_API_KEY: 'mlk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })
      expect(cli.code).toBe(1)
      expect(cli.output).toContain('lambda config set-key')
    })

    it('function URLs are public unless the function sets auth: key', async () => {
      project.write('functions/private/index.ts', 'export default (r: Request) => ({ auth: r.headers.get(\'authorization\') })\n')
      const config = readFileSync(join(project.dir, 'lambda.config.ts'), 'utf8')
      writeFileSync(join(project.dir, 'lambda.config.ts'), config.replace('functions: {', 'functions: {\n    private: { auth: \'key\' },'))
      expect((await agent.cli(['deploy', '--only', 'private'], { cwd: project.dir })).code).toBe(0)
      expect((await agent.call('private')).status).toBe(401)
      const allowed = await agent.call('private', '/', { headers: { authorization: `Bearer ${agent.key}` } })
      expect(allowed.status).toBe(200)
      // the key that let the call in is not handed to the function
      expect(allowed.json()).toEqual({ auth: null })
      expect((await agent.call('hello')).status).toBe(200)
    })

    it('the admin API is not reachable through a function\'s host', async () => {
      const res = await agent.call('hello', '/_lambda/functions', { headers: { authorization: `Bearer ${agent.key}` } })
      expect(res.json()).toEqual({ message: 'Hello, v2!' })
    })
  })

  describe('delete', () => {
    it('lambda delete removes the function; its URL answers 404', async () => {
      const before = await hooks.instancesOf?.(agent, 'calculator')
      if (hooks.instancesOf) expect(before!.length).toBeGreaterThan(0)
      const refused = await agent.cli(['delete', 'calculator'])
      expect(refused.code).toBe(2)
      expect(refused.output).toContain('--yes')
      const result = await agent.cli(['delete', 'calculator', '--yes'])
      expect(result.code, result.output).toBe(0)
      expect((await agent.call('calculator', '/add?a=1&b=1')).status).toBe(404)
      if (hooks.instancesOf) expect(await hooks.instancesOf(agent, 'calculator')).toEqual([])
      expect((await agent.cli(['list', '--json'])).stdout).not.toContain('"calculator"')
      const again = await agent.cli(['delete', 'calculator', '--yes'])
      expect(again.code).toBe(1)
      expect(again.output).toContain('No function named "calculator"')
    })
  })
}
