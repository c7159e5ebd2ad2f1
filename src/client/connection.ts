import type { CliSettings } from './settings'
import { API_KEY_RE } from '../api/admin-api'
import { LambdaError } from '../errors'
import { contextNames, currentContextName, readSettings, savedContext } from './settings'

/** Per-command choices (`--host`, `--key`, `--context`): they win over the environment and the settings file. */
export interface ConnectionFlags {
  host?: string
  key?: string
  context?: string
}

export interface Connection {
  host: string
  apiKey?: string
  /** Where each value came from, for `lambda config show` and error hints. */
  hostSource: '--host' | 'LAMBDA_HOST' | 'settings'
  keySource?: '--key' | 'LAMBDA_API_KEY' | 'settings'
  /** The saved context the settings values come from. */
  context?: string
}

/** Normalises what a user types for the agent's address: `vm`, `http://vm:7070/`, `.../_lambda`. */
export function normalizeHost(input: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(input) ? input : `http://${input}`
  let url: URL
  try {
    url = new URL(withScheme)
  }
  catch {
    throw new LambdaError({ code: 'INVALID_HOST', status: 400, message: `"${input}" is not a URL.`, hint: 'Give the agent\'s address, e.g. `lambda config set-host http://203.0.113.7`.' })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LambdaError({ code: 'INVALID_HOST', status: 400, message: `"${input}" uses ${url.protocol}; the agent speaks http or https.`, hint: 'e.g. `lambda config set-host http://203.0.113.7`.' })
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/?(_lambda\/?)?$/, '')}`
}

export function assertApiKeyFormat(key: string, what: string): void {
  if (!API_KEY_RE.test(key)) {
    throw new LambdaError({
      code: 'INVALID_API_KEY_FORMAT',
      status: 400,
      message: `${what} is not a Mini Lambda API key (${key.length} characters): keys look like mlk_<8 letters or digits>_<43 characters>.`,
      hint: 'Copy the whole key the agent printed when it first started, or make one on the agent\'s machine with `lambda agent keys create`.',
    })
  }
}

/** The key saved for this address, in any context (the selected one first): a saved key never goes to another agent. */
function keySavedFor(settings: CliSettings, host: string, selected: string): string | undefined {
  for (const name of [selected, ...contextNames(settings)]) {
    const saved = savedContext(settings, name)
    if (saved.apiKey && saved.host && normalizeHost(saved.host) === host) return saved.apiKey
  }
  return undefined
}

/**
 * What the CLI would use, set or not. Each value: the command's flag, else the environment (LAMBDA_HOST,
 * LAMBDA_API_KEY: CI), else the saved context (`--context`, LAMBDA_CONTEXT, or `lambda config use-context`'s).
 * A `--context` given on the command line is a flag too: its values win over the environment's.
 */
export function describeConnection(flags: ConnectionFlags = {}): Partial<Connection> {
  const settings = readSettings()
  const context = flags.context ?? currentContextName(settings)
  const saved = savedContext(settings, context)
  const env = flags.context === undefined ? { host: process.env.LAMBDA_HOST || undefined, key: process.env.LAMBDA_API_KEY || undefined } : {}
  if (flags.key !== undefined) assertApiKeyFormat(flags.key, 'The value of --key')

  const [host, hostSource] = flags.host !== undefined
    ? [normalizeHost(flags.host), '--host' as const]
    : env.host ? [normalizeHost(env.host), 'LAMBDA_HOST' as const] : saved.host ? [normalizeHost(saved.host), 'settings' as const] : [undefined, undefined]
  // An address given with --host or LAMBDA_HOST gets only the key saved for that address, never the
  // current agent's: a saved key never goes to another agent.
  const savedKey = hostSource === 'settings' ? saved.apiKey : host && keySavedFor(settings, host, context)
  const [apiKey, keySource] = flags.key !== undefined
    ? [flags.key, '--key' as const]
    : env.key ? [env.key, 'LAMBDA_API_KEY' as const] : savedKey ? [savedKey, 'settings' as const] : [undefined, undefined]
  return { host, apiKey, hostSource, keySource, context }
}

/** The agent to talk to (see describeConnection); an error when none is set. */
export function resolveConnection(flags: ConnectionFlags = {}): Connection {
  const { host, hostSource, ...rest } = describeConnection(flags)
  if (!host || !hostSource) {
    throw new LambdaError({ code: 'NO_AGENT_CONFIGURED', status: 400, message: `No agent is configured${rest.context && rest.context !== 'default' ? ` for the context "${rest.context}"` : ''}.`, hint: 'Tell the CLI where your agent runs: `lambda config set-host http://<vm>` (or set LAMBDA_HOST, or pass --host).' })
  }
  return { host, hostSource, ...rest }
}
