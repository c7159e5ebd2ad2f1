import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/cleanups'
import { runCli } from '../../helpers/cli'
import { startRecordingServer } from '../../helpers/recording-server'

const KEY = 'mlk_abcdef12_secretsecretsecretsecretsecretsecretsecret1'

describe('a --cwd that is not there is a usage error (exit 2), and nothing is created or served', () => {
  it('lambda new, dev, build and deploy name the folder and how to start a project there', async () => {
    const missing = join(tempDir('lambda-nowhere-'), 'missing', 'x')
    for (const args of [['new', 'foo'], ['dev', '--port', '0'], ['build'], ['deploy', '--host', 'http://127.0.0.1:9', '--key', KEY]]) {
      const result = await runCli([...args, '--cwd', missing], { timeoutMs: 60_000 })
      expect(result.code, `${args[0]}: ${result.output}`).toBe(2)
      expect(result.stderr).toContain(`--cwd ${missing}: there is no folder ${missing}.`)
      expect(result.stderr).toContain(`\`lambda init ${missing}\``)
      expect(result.output).not.toContain('dev server on')
      expect(existsSync(join(missing, '..'))).toBe(false)
    }
    const file = join(tempDir('lambda-file-'), 'notes.txt')
    writeFileSync(file, 'not a folder\n')
    const onFile = await runCli(['new', 'foo', '--cwd', file])
    expect(onFile.code).toBe(2)
    expect(onFile.stderr).toContain('is a file, not a folder')
  })
})

describe('outside any project (no lambda.config.* here or above, no functions/)', () => {
  it('deploy, build and dev stop, saying where they looked and how to start a project; nothing reaches the agent', async () => {
    const empty = tempDir('lambda-empty-')
    const agent = await startRecordingServer()
    try {
      for (const args of [['deploy', '--host', agent.url, '--key', KEY], ['build'], ['dev', '--port', '0']]) {
        const result = await runCli([...args, '--json'].filter(arg => !(args[0] === 'dev' && arg === '--json')), { cwd: empty, timeoutMs: 60_000 })
        expect(result.code, `${args[0]}: ${result.output}`).toBe(1)
        expect(result.output).toContain(`No Mini Lambda project in ${empty}: no lambda.config.* there or in any folder above it, and no functions/ folder.`)
        expect(result.output).toContain('start a project with `lambda init`')
        expect(result.output).not.toContain('dev server on')
      }
      expect(agent.requests).toEqual([])
    }
    finally {
      await agent.close()
    }
  })

  it('new creates the function, and warns that there is no lambda.config.*, where it looked, and about `lambda init`', async () => {
    const empty = tempDir('lambda-empty-')
    const result = await runCli(['new', 'foo'], { cwd: empty })
    expect(result.code, result.output).toBe(0)
    expect(existsSync(join(empty, 'functions', 'foo', 'index.ts'))).toBe(true)
    expect(result.stderr).toContain(`No lambda.config.* in ${empty} or any folder above it: functions/ is new here, a project without a config.`)
    expect(result.stderr).toContain('`lambda init`')
    // From then on it is a project (one without a config), which builds.
    const build = await runCli(['build', '--json'], { cwd: empty })
    expect(build.code, build.output).toBe(0)
    expect(JSON.parse(build.stdout).functions.map((f: { name: string }) => f.name)).toEqual(['foo'])
    // A second function is added quietly.
    expect((await runCli(['new', 'bar'], { cwd: empty })).stderr).not.toContain('No lambda.config.*')
  })
})
