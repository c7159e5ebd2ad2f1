import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { LambdaError } from '../errors'
import { writeFileAtomic } from '../fs/atomic-write'

/** What `lambda config set-host / set-key` remember, per user. */
export interface CliSettings {
  host?: string
  apiKey?: string
}

export interface Connection {
  host: string
  apiKey?: string
  /** Where each value came from, for `lambda config show` and error hints. */
  hostSource: 'LAMBDA_HOST' | 'settings'
  keySource?: 'LAMBDA_API_KEY' | 'settings'
}

export function settingsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'mini-lambda', 'settings.json')
}

export function readSettings(): CliSettings {
  const file = settingsPath()
  if (!existsSync(file)) return {}
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CliSettings
  }
  catch (error) {
    throw new LambdaError({ code: 'SETTINGS_INVALID', status: 400, message: `${file} is not valid JSON: ${(error as Error).message}`, hint: `Fix or delete ${file}, then run \`lambda config set-host\` again.` })
  }
}

/** Settings hold an API key: the file is the user's alone (0600, folder 0700). */
export async function updateSettings(patch: CliSettings): Promise<string> {
  const file = settingsPath()
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFileAtomic(file, `${JSON.stringify({ ...readSettings(), ...patch }, null, 2)}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return file
}

/** Normalises what a user types for the agent's address: `vm:7070`, `http://vm:7070/`, `.../_lambda`. */
export function normalizeHost(input: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(input) ? input : `http://${input}`
  let url: URL
  try {
    url = new URL(withScheme)
  }
  catch {
    throw new LambdaError({ code: 'INVALID_HOST', status: 400, message: `"${input}" is not a URL.`, hint: 'Give the agent\'s address, e.g. `lambda config set-host http://203.0.113.7:7070`.' })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LambdaError({ code: 'INVALID_HOST', status: 400, message: `"${input}" uses ${url.protocol}; the agent speaks http or https.`, hint: 'e.g. `lambda config set-host http://203.0.113.7:7070`.' })
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/?(_lambda\/?)?$/, '')}`
}

/** What the CLI would use, set or not: LAMBDA_HOST / LAMBDA_API_KEY first (CI), then the settings file. */
export function describeConnection(): Partial<Connection> {
  const settings = readSettings()
  const host = process.env.LAMBDA_HOST || settings.host
  return {
    host: host ? normalizeHost(host) : undefined,
    apiKey: process.env.LAMBDA_API_KEY || settings.apiKey,
    hostSource: process.env.LAMBDA_HOST ? 'LAMBDA_HOST' : settings.host ? 'settings' : undefined,
    keySource: process.env.LAMBDA_API_KEY ? 'LAMBDA_API_KEY' : settings.apiKey ? 'settings' : undefined,
  }
}

/** The agent to talk to (see describeConnection); an error when none is set. */
export function resolveConnection(): Connection {
  const { host, hostSource, ...rest } = describeConnection()
  if (!host || !hostSource) {
    throw new LambdaError({ code: 'NO_AGENT_CONFIGURED', status: 400, message: 'No agent is configured.', hint: 'Tell the CLI where your agent runs: `lambda config set-host http://<vm>:7070` (or set LAMBDA_HOST).' })
  }
  return { host, hostSource, ...rest }
}
