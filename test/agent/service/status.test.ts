import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { version } from '../../../package.json'
import { useAgent } from '../../helpers/agent'
import { runCli } from '../../helpers/cli'
import { freePort } from '../../helpers/ports'
import { createProject } from '../../helpers/project'

describe('lambda agent status on the agent\'s machine', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'functions/hello/index.ts': 'export default () => "hello"\n',
    'functions/bye/index.ts': 'export default () => "bye"\n',
  }))

  it('reports version, uptime, provider, domain, the functions served and the keys, from the running agent and its data dir', async () => {
    const { agent, project } = suite
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    expect((await runCli(['agent', 'keys', 'create', '--name', 'ci', '--data-dir', agent.dataDir])).code).toBe(0)

    const result = await runCli(['agent', 'status', '--data-dir', agent.dataDir, '--json'])
    expect(result.code, result.output).toBe(0)
    const status = JSON.parse(result.stdout)
    expect(status).toMatchObject({
      running: true,
      pid: agent.process.child.pid,
      url: `http://127.0.0.1:${agent.port}`,
      version,
      cliVersion: version,
      provider: 'process',
      domain: 'localhost',
      dataDir: agent.dataDir,
      functions: ['bye', 'hello'],
      keys: { total: 2, admin: 1, deploy: 1, invoke: 0 },
    })
    expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0)
    expect(Date.parse(status.startedAt)).not.toBeNaN()
    // No systemd here: the service part says so instead of guessing.
    expect(status.service === null).toBe(!existsSync('/run/systemd/system'))
    // The key is never part of it.
    expect(result.stdout).not.toMatch(/mlk_/)

    const text = await runCli(['agent', 'status', '--data-dir', agent.dataDir])
    expect(text.code, text.output).toBe(0)
    expect(text.stdout).toMatch(/Functions\s+2: bye, hello/)
    expect(text.stdout).toMatch(/API keys\s+2 \(admin 1, deploy 1, invoke 0\)/)
    expect(text.output).toContain(`The agent is running (version ${version})`)
  })

  it('sIGHUP without TLS changes nothing: the agent keeps serving', async () => {
    const { agent } = suite
    const from = agent.process.output().length
    agent.process.child.kill('SIGHUP')
    await agent.process.waitFor(/nothing to reload/, 10_000, from)
    expect((await agent.call('hello')).text).toBe('hello')
  })

  it('once the agent stopped: not running, exit 1, and still what its data dir holds', async () => {
    const { agent } = suite
    await agent.stop()
    const result = await runCli(['agent', 'status', '--data-dir', agent.dataDir, '--json'])
    expect(result.code).toBe(1)
    const status = JSON.parse(result.stdout)
    expect(status).toMatchObject({ running: false, functions: ['bye', 'hello'], keys: { total: 2 } })
    expect(status.problem).toContain(`No agent is running on the data dir ${agent.dataDir}`)
    // The suite's afterAll stops it again: harmless.
  })

  it('on a data dir no agent has used yet: not running, and nothing written there', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lambda-status-'))
    try {
      const result = await runCli(['agent', 'status', '--data-dir', empty, '--port', String(await freePort()), '--json'])
      expect(result.code).toBe(1)
      expect(JSON.parse(result.stdout)).toMatchObject({ running: false, functions: [], keys: { total: 0 } })
      // The agent's user must own everything in its data dir: a status run as root creates nothing.
      expect(readdirSync(empty)).toEqual([])
    }
    finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
