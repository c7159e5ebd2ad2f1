import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { cliPath } from '../helpers/paths'
import { createProject } from '../helpers/project'
import { hasTerminal, runInTerminal } from '../helpers/terminal'

/** Select Graphic Rendition: colour and style codes (cursor movement is not colour). */
const COLOUR = /\u001B\[[0-9;]*m/
const SPINNER = /[\u2800-\u28FF]/

describe('what the CLI prints, where it goes and when it stops', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'functions/hello/index.ts': 'export default () => ({ message: \'hi\' })\n',
    'functions/other/index.ts': 'export default () => \'other\'\n',
  }))

  /** The environment of a person at a terminal: no CI markers, a real TERM, colour settings as given. */
  const terminalEnv = (extra: Record<string, string> = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...suite.agent.env, TERM: 'xterm-256color', ...extra }
    for (const key of Object.keys(env)) {
      if (key === 'TEST' || key === 'NODE_ENV' || key === 'CI' || key.startsWith('VITEST')) delete env[key]
    }
    if (!('NO_COLOR' in extra)) delete env.NO_COLOR
    if (!('FORCE_COLOR' in extra)) delete env.FORCE_COLOR
    return env
  }

  describe.skipIf(!hasTerminal)('on a terminal', () => {
    it('a deploy shows each function\'s phases live, with a spinner and timings, then one result line each', async () => {
      const deploy = await runInTerminal(['deploy'], { cwd: suite.project.dir, env: terminalEnv() })
      expect(deploy.code, deploy.output).toBe(0)
      expect(deploy.output).toMatch(SPINNER)
      expect(deploy.output).toContain('bundling…')
      // Live lines are redrawn in place: cursor up, clear below.
      expect(deploy.output).toContain('\u001B[J')
      const plain = deploy.output.replace(/\u001B\[[0-9;]*[A-Z]/gi, '')
      expect(plain).toMatch(/hello\s+built\s+v1\s+http:\/\/hello\.localhost:\d+\/\s+[\d.]+m?s \(build \d+ms · upload [\d.]+ (B|kB) \d+ms · image\+warm [\d.]+m?s\)/)
      expect(deploy.output).toMatch(COLOUR)
    })

    it('nO_COLOR and FORCE_COLOR=0 each turn colour off (the live lines stay)', async () => {
      suite.project.write('functions/hello/index.ts', 'export default () => ({ message: \'hi again\' })\n')
      for (const setting of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }] as Array<Record<string, string>>) {
        const help = await runInTerminal(['deplyo'], { env: terminalEnv(setting) })
        expect(help.code).toBe(2)
        expect(help.output, JSON.stringify(setting)).not.toMatch(COLOUR)
        expect(help.output).toContain('Did you mean deploy?')
      }
      const deploy = await runInTerminal(['deploy'], { cwd: suite.project.dir, env: terminalEnv({ FORCE_COLOR: '0' }) })
      expect(deploy.code, deploy.output).toBe(0)
      expect(deploy.output).toMatch(/hello\s+built\s+v2/)
      expect(deploy.output).not.toMatch(COLOUR)
      // Without either setting the same error is coloured: the check above can fail.
      expect((await runInTerminal(['deplyo'], { env: terminalEnv() })).output).toMatch(COLOUR)
    })
  })

  it('in a pipe: no colour even with FORCE_COLOR=0 alone, no icons, no spinner; FORCE_COLOR=1 forces colour', async () => {
    const off = await runCli(['deplyo'], { env: { NO_COLOR: undefined, FORCE_COLOR: '0', CI: undefined } })
    expect(off.stderr).toContain('Error: Unknown command "deplyo"')
    expect(off.output).not.toMatch(COLOUR)
    const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir, env: { NO_COLOR: undefined, FORCE_COLOR: '0', CI: undefined } })
    expect(deploy.code, deploy.output).toBe(0)
    expect(deploy.output).not.toMatch(COLOUR)
    expect(deploy.output).not.toMatch(SPINNER)
    expect(deploy.output).not.toMatch(/[✔ℹ◐]/)
    const forced = await runCli(['deplyo'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } })
    expect(forced.output).toMatch(COLOUR)
  })

  it('a closed pipe ends the command quietly with exit 0 (`lambda list | head -1`)', async () => {
    for (const args of [['list'], ['releases'], ['--help']]) {
      const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...suite.agent.env }, stdio: ['ignore', 'pipe', 'pipe'] })
      // The reader is gone before the first line is written.
      child.stdout.destroy()
      let stderr = ''
      child.stderr.on('data', (d) => {
        stderr += d
      })
      const code = await new Promise(resolve => child.on('close', resolve))
      expect(code, args.join(' ')).toBe(0)
      expect(stderr, args.join(' ')).toBe('')
    }
  })

  it('through a real shell pipeline, as a user runs it', async () => {
    const shell = spawn('bash', ['-c', `"${process.execPath}" "${cliPath}" list | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`], { env: { ...process.env, ...suite.agent.env } })
    let stdout = ''
    let stderr = ''
    shell.stdout.on('data', (d) => {
      stdout += d
    })
    shell.stderr.on('data', (d) => {
      stderr += d
    })
    await new Promise(resolve => shell.on('close', resolve))
    expect(stdout).toMatch(/^NAME\s+VERSION/)
    expect(stderr).toBe('exit=0\n')
  })
})
