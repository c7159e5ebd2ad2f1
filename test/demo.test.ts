import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeDocker } from './helpers/docker'
import { repoRoot } from './helpers/paths'

const demoPath = join(repoRoot, 'scripts/demo.mjs')

function runDemo(args: string[] = []): Promise<{ code: number | null, output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const key of Object.keys(env)) {
      if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TEST') delete env[key]
    }
    const child = spawn(process.execPath, [demoPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

const workDirOf = (output: string) => output.match(/working in (\S+)/)?.[1]

describe('npm run demo', () => {
  it('runs the whole story against an agent it starts: deploy, invoke, logs, new version, rollback, a schedule that fires', async () => {
    const { code, output } = await runDemo()
    console.log(output)
    expect(code, output).toBe(0)
    for (const step of ['lambda init demo-app', 'lambda deploy (a new function)', 'Invoke it over HTTP', 'lambda logs hello', 'a new version', 'lambda rollback hello', 'see it fire']) { expect(output).toContain(step) }
    expect(output).toMatch(/hello v1 at http:\/\/hello\.localhost:\d+\//)
    expect(output).toMatch(/v2 answers \{"message":"Hello again, Demo!"/)
    expect(output).toMatch(/v2 → v1, answers \{"message":"Hello, Demo!"/)
    expect(output).toMatch(/cli-\w{12} fired at .*: 200 \(v1\); removed/)
    // Every step prints its time.
    expect(output.match(/✔ .*\(\d+\.\d\d s\)/g)).toHaveLength(8)
    expect(output).toMatch(/Demo passed: 8 steps/)
    const work = workDirOf(output)
    expect(work).toBeTruthy()
    expect(existsSync(work!)).toBe(false)
  }, 240_000)

  it('exits 1 when a step fails, and cleans up all the same', async () => {
    // A port that is taken: the agent cannot start.
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      const { code, output } = await runDemo(['--port', String(port)])
      expect(code, output).toBe(1)
      expect(output).toContain('✖ failed')
      expect(output).toContain('Demo FAILED at step 1 after 0 passed')
      const work = workDirOf(output)
      expect(work).toBeTruthy()
      expect(existsSync(work!)).toBe(false)
    }
    finally {
      server.close()
    }
  }, 240_000)

  it('refuses a flag it does not know with exit 2', async () => {
    const { code, output } = await runDemo(['--dokcer'])
    expect(code).toBe(2)
    expect(output).toContain('Usage: node scripts/demo.mjs')
  })
})

describeDocker('npm run demo -- --docker', () => {
  it('runs the same story with functions in containers and removes the images its agent built', async () => {
    const { code, output } = await runDemo(['--docker'])
    console.log(output)
    expect(code, output).toBe(0)
    expect(output).toContain('(docker provider)')
    expect(output).toMatch(/Demo passed: 8 steps/)
    // Two versions of hello: two images, removed by the agent's label.
    expect(output).toMatch(/[1-9]\d* image\(s\) removed/)
    expect(existsSync(workDirOf(output)!)).toBe(false)
  }, 240_000)
})
