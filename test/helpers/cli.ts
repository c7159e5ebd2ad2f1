import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { cliPath } from './paths'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  output: string
}

/** The CLI as a user runs it: without vitest's TEST/VITEST markers, which make consola quiet. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' }
  for (const key of Object.keys(env)) {
    if (key === 'TEST' || key === 'NODE_ENV' || key.startsWith('VITEST')) delete env[key]
  }
  return env
}

/** Runs the real `lambda` CLI as a process and collects its output. */
export function runCli(args: string[], opts: { cwd?: string, env?: Record<string, string | undefined>, input?: string | Buffer, timeoutMs?: number, cli?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.cli ?? cliPath, ...args], { cwd: opts.cwd, env: { ...cleanEnv(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let output = ''
    child.stdout.on('data', (d) => {
      stdout += d
      output += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
      output += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, output })
    })
    child.stdin.end(opts.input ?? '')
  })
}

export interface LongRunning {
  child: ChildProcess
  /** Everything printed so far (stdout and stderr). */
  output: () => string
  /** Resolves when the output matches; rejects if the process exits first or on timeout. */
  waitFor: (pattern: RegExp, timeoutMs?: number, from?: number) => Promise<RegExpMatchArray>
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** Starts a long-running CLI command (dev, agent) and follows its output. */
export function startCli(args: string[], opts: { cwd?: string, env?: Record<string, string | undefined>, cli?: string, node?: string } = {}): LongRunning {
  const child = spawn(opts.node ?? process.execPath, [opts.cli ?? cliPath, ...args], { cwd: opts.cwd, env: { ...cleanEnv(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    output += d
    for (const l of listeners) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 30_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.slice(from).match(pattern)
          if (match) {
            cleanup()
            resolve(match)
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`Timed out waiting for ${pattern} in output:\n${output}`))
        }, timeoutMs)
        const onExit = () => {
          setTimeout(() => {
            cleanup()
            reject(new Error(`Process exited while waiting for ${pattern}; output:\n${output}`))
          }, 50)
        }
        const cleanup = () => {
          clearTimeout(timer)
          listeners.delete(check)
          child.off('exit', onExit)
        }
        listeners.add(check)
        child.once('exit', onExit)
        check()
      })
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}
