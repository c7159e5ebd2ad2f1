import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { cliPath } from '../helpers/paths'
import { freePort } from '../helpers/ports'

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-start-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * As root, the agent runs with CAP_NET_BIND_SERVICE dropped from its bounding set (setpriv), so it is
 * refused port 80 like any unprivileged user, yet can still read a clone in a private (0700) folder.
 */
const canDropBindCapability = (() => {
  try {
    execFileSync('setpriv', ['--bounding-set', '-net_bind_service', process.execPath, '-e', '0'], { stdio: 'pipe' })
    return true
  }
  catch {
    return false
  }
})()

describe('lambda agent refuses to start with a clear error', () => {
  it('when its port is taken', async () => {
    const port = await freePort()
    const blocker = createServer().listen(port, '127.0.0.1')
    await new Promise(resolve => blocker.once('listening', resolve))
    try {
      const result = await runCli(['agent', '--port', String(port), '--host', '127.0.0.1', '--data-dir', tempDir(), '--provider', 'process'])
      expect(result.code).toBe(1)
      expect(result.output).toContain(`Port ${port} on 127.0.0.1 is already in use`)
      expect(result.output).toContain('--port')
    }
    finally {
      blocker.close()
    }
  })

  it.runIf(process.getuid?.() !== 0 || canDropBindCapability)('when the port needs privileges it does not have', () => {
    const dataDir = tempDir()
    const args = [cliPath, 'agent', '--port', '80', '--host', '127.0.0.1', '--data-dir', dataDir, '--provider', 'process']
    let output = ''
    try {
      if (process.getuid?.() === 0) execFileSync('setpriv', ['--bounding-set', '-net_bind_service', process.execPath, ...args], { stdio: 'pipe', env: { PATH: process.env.PATH, NO_COLOR: '1' } })
      else execFileSync(process.execPath, args, { stdio: 'pipe', env: { PATH: process.env.PATH, NO_COLOR: '1' } })
    }
    catch (error) {
      const e = error as { status: number, stdout: Buffer, stderr: Buffer }
      expect(e.status).toBe(1)
      output = `${e.stdout}${e.stderr}`
    }
    expect(output).toContain('Port 80 needs privileges')
    expect(output).toMatch(/1024|CAP_NET_BIND_SERVICE/)
  })

  it('when Docker is asked for but does not answer', async () => {
    const port = await freePort()
    const socket = join(tempDir(), 'no-docker.sock')
    const result = await runCli(['agent', '--port', String(port), '--host', '127.0.0.1', '--data-dir', tempDir(), '--provider', 'docker'], { env: { DOCKER_HOST: `unix://${socket}` } })
    expect(result.code).toBe(1)
    expect(result.output).toContain(`does not answer at ${socket}`)
    expect(result.output).toMatch(/systemctl start docker|dockerd/)
  })
})

describe('the agent\'s state', () => {
  it('lives in another unstorage driver when --store says so: a flag, not a code change', async () => {
    const { startAgentProcess } = await import('../helpers/agent')
    const { createProject } = await import('../helpers/project')
    const agent = await startAgentProcess({ provider: 'process', extraArgs: ['--store', 'memory'] })
    const project = createProject({ 'functions/hello/index.ts': 'export default () => ({ stored: \'in memory\' })\n' })
    try {
      expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
      expect((await agent.call('hello')).json()).toEqual({ stored: 'in memory' })
      // nothing was written where the fs driver would keep state
      expect(existsSync(join(agent.dataDir, 'state'))).toBe(false)
    }
    finally {
      await agent.stop()
      agent.cleanup()
      project.remove()
    }
  })
})

describe('the CLI says where it looked when the agent cannot be reached', () => {
  it('names the URL it tried and how to set it', async () => {
    const port = await freePort()
    const result = await runCli(['list'], { env: { LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: 'x', XDG_CONFIG_HOME: tempDir() } })
    expect(result.code).toBe(1)
    expect(result.output).toContain(`Could not reach the agent at http://127.0.0.1:${port}`)
    expect(result.output).toContain('lambda config set-host')
    expect(result.output).toContain('LAMBDA_HOST is set')
  })

  it('says when no agent is configured at all', async () => {
    const result = await runCli(['deploy'], { env: { LAMBDA_HOST: '', LAMBDA_API_KEY: '', XDG_CONFIG_HOME: tempDir() } })
    expect(result.code).toBe(1)
    expect(result.output).toContain('No agent is configured')
    expect(result.output).toContain('lambda config set-host')
  })
})
