import { execFileSync, spawn } from 'node:child_process'
import { cliPath } from './paths'

function scriptAvailable(): boolean {
  try {
    execFileSync('script', ['-qec', 'true', '/dev/null'], { stdio: 'ignore', timeout: 10_000 })
    return true
  }
  catch {
    return false
  }
}

/** util-linux `script` gives a command a pseudo-terminal: how the CLI behaves for a person at a terminal. */
export const hasTerminal = scriptAvailable()

const quote = (arg: string) => `'${arg.replace(/'/g, '\'\\\'\'')}'`

/**
 * Runs the real CLI with stdout and stderr on a pseudo-terminal (both arrive mixed, as on a
 * screen). The environment is the caller's: pass NO_COLOR / FORCE_COLOR / TERM as the test needs.
 */
export function runInTerminal(args: string[], opts: { cwd?: string, env: NodeJS.ProcessEnv, timeoutMs?: number }): Promise<{ code: number | null, output: string }> {
  const command = [process.execPath, cliPath, ...args].map(quote).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}
