import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { closestMatch } from '../closest-match'
import { LambdaError } from '../errors'
import { writeFileAtomic } from '../fs/atomic-write'

/** One agent the CLI knows: its address and the key to send it. */
export interface ContextSettings {
  host?: string
  apiKey?: string
}

/**
 * What `lambda config` remembers, per user. The top-level host and key are the `default` context;
 * `contexts` holds other agents by name, and `context` names the one commands use (kubectl's and
 * docker's contexts, kept small).
 */
export interface CliSettings extends ContextSettings {
  context?: string
  contexts?: Record<string, ContextSettings>
}

export const DEFAULT_CONTEXT = 'default'
const CONTEXT_NAME_RE = /^[a-z0-9][\w.-]{0,62}$/i

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

/** Settings hold API keys: the file is the user's alone (0600, folder 0700). */
async function writeSettings(settings: CliSettings): Promise<string> {
  const file = settingsPath()
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFileAtomic(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return file
}

export function contextNames(settings: CliSettings): string[] {
  return [DEFAULT_CONTEXT, ...Object.keys(settings.contexts ?? {}).filter(name => name !== DEFAULT_CONTEXT)]
}

export function assertContextName(name: string): void {
  if (!CONTEXT_NAME_RE.test(name)) {
    throw new LambdaError({ code: 'INVALID_CONTEXT_NAME', status: 400, message: `"${name}" is not a context name.`, hint: 'Use letters, digits, ".", "_" and "-" (up to 63), e.g. prod or staging.' })
  }
}

/** A saved context's values; an unknown name is an error that lists the known ones. */
export function savedContext(settings: CliSettings, name: string): ContextSettings {
  if (name === DEFAULT_CONTEXT) return { host: settings.host, apiKey: settings.apiKey }
  const saved = settings.contexts?.[name]
  if (saved) return saved
  const known = contextNames(settings)
  const guess = closestMatch(name, known)
  throw new LambdaError({
    code: 'CONTEXT_NOT_FOUND',
    status: 400,
    message: `No context named "${name}".${guess ? ` Did you mean ${guess}?` : ''}`,
    hint: `Contexts: ${known.join(', ')}. Save one with \`lambda config set-host <url> --context ${name}\`.`,
  })
}

/** The context commands use when none is named: LAMBDA_CONTEXT, else `lambda config use-context`'s. */
export function currentContextName(settings: CliSettings): string {
  return process.env.LAMBDA_CONTEXT || settings.context || DEFAULT_CONTEXT
}

/** Changes one context (created if new), keeping everything else in the file. */
export async function updateContext(name: string, patch: ContextSettings): Promise<string> {
  assertContextName(name)
  const settings = readSettings()
  if (name === DEFAULT_CONTEXT) return writeSettings({ ...settings, ...patch })
  return writeSettings({ ...settings, contexts: { ...settings.contexts, [name]: { ...settings.contexts?.[name], ...patch } } })
}

/** `lambda config use-context`: the context commands use from now on (`default` for the top-level values). */
export async function useContext(name: string): Promise<string> {
  const settings = readSettings()
  savedContext(settings, name)
  const { context: _, ...rest } = settings
  return writeSettings(name === DEFAULT_CONTEXT ? rest : { ...rest, context: name })
}
