import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** npm as a user runs it: without the settings `npm test` passes down to its scripts. */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && !key.startsWith('VITEST') && key !== 'NODE_ENV' && key !== 'TEST') env[key] = value
  }
  return env
}

/** Runs npm in `cwd`; rejects with its output when it fails. */
export function npm(args: string[], cwd: string, timeoutMs = 300_000) {
  return run('npm', args, { cwd, env: npmEnv(), timeout: timeoutMs })
}

/**
 * `npm install <args>` offline: only this machine's npm cache, no registry. A cache filled by `npm ci` alone
 * (a fresh CI runner) holds the tarballs but not the registry's metadata npm needs to resolve version
 * ranges: then, and only then, npm may ask the registry for what is missing (--prefer-offline).
 */
export async function npmInstallOffline(args: string[], cwd: string): Promise<void> {
  const install = (mode: string) => npm(['install', mode, '--no-audit', '--no-fund', '--loglevel=error', ...args], cwd)
  try {
    await install('--offline')
  }
  catch (error) {
    if (!String((error as { stderr?: string }).stderr).includes('ENOTCACHED')) throw error
    console.warn('npm cache lacks registry metadata for an offline install; installing with --prefer-offline')
    await install('--prefer-offline')
  }
}
