import type { $Fetch, FetchOptions } from 'ofetch'
import type { DeployResult as DeployResponse } from '../agent/deploy/deploy-function'
import type { EnvEntry } from '../agent/routes/env-entries'
import type { SecretsOverview } from '../agent/secrets/manage-secrets'
import type { ReleaseListing } from '../agent/versions/release-status'
import type { ReleaseRollbackResult } from '../agent/versions/releases'
import type { FunctionRuntimeConfig } from '../config/types'
import type { ReleaseRecord, SwitchRecord } from '../store/records'
import type { Connection } from './settings'
import { Readable } from 'node:stream'
import { ofetch } from 'ofetch'
import { fromFetchFailure, withoutCause } from './agent-errors'
import { AGENT_TIMEOUTS } from './timeouts'

export interface DeployedFunction {
  name: string
  version: number
  hash: string
  kind: 'node' | 'dockerfile'
  state: 'running' | 'starting' | 'idle'
  instances: number
  url: string
  deployedAt: string
  /** The function's settings, without its environment. */
  config: Omit<FunctionRuntimeConfig, 'env'>
  /** Names and sources; plain values only when asked for (`showEnv`), secret values never. */
  env: EnvEntry[]
}

export type { DeployResult as DeployResponse } from '../agent/deploy/deploy-function'
export type { EnvEntry } from '../agent/routes/env-entries'

export type { SecretListing, SecretsOverview } from '../agent/secrets/manage-secrets'

export interface FunctionVersions {
  name: string
  current: number | null
  /** The highest number given so far: the next deploy that changes the function gets the one after. */
  lastVersion?: number
  /** How many versions the function keeps (its last deploy's `deploy.keepVersions`). */
  keepVersions?: number
  versions: Array<{ number: number, hash: string, kind: string, createdAt: string, image: string, current: boolean, url: string }>
  history: SwitchRecord[]
}

export interface InvokeInit {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string | Buffer
}

export interface AgentHealth {
  ok: boolean
  agent?: string
  version: string
  provider: string
  domain: string
  isolated: boolean
}

/** The admin API, over ofetch. Every request has a deadline (see timeouts.ts). */
export function createAgentClient(conn: Connection) {
  const api: $Fetch = ofetch.create({
    baseURL: `${conn.host}/_lambda`,
    headers: conn.apiKey ? { authorization: `Bearer ${conn.apiKey}` } : {},
    retry: 0,
    timeout: AGENT_TIMEOUTS.request,
  })
  const call = async <T>(run: () => Promise<T>, timeoutMs: number = AGENT_TIMEOUTS.request): Promise<T> => {
    try {
      return await run()
    }
    catch (error) {
      throw fromFetchFailure(conn, error, timeoutMs)
    }
  }
  const health = () => call(() => api<AgentHealth>('/health'))
  // Before a call that may rightly take minutes: does anything answer at all? (Once per client.)
  let reachable: Promise<AgentHealth> | undefined
  const long = async <T>(timeoutMs: number, run: (options: Pick<FetchOptions, 'timeout'>) => Promise<T>): Promise<T> => {
    reachable ??= health()
    await reachable
    return call(() => run({ timeout: timeoutMs }), timeoutMs)
  }
  return {
    connection: conn,
    health,
    listFunctions: (opts: { showEnv?: boolean } = {}) => call(() => api<{ functions: DeployedFunction[] }>('/functions', { query: opts.showEnv ? { env: 'true' } : {} })).then(r => r.functions),
    getFunction: (name: string, opts: { showEnv?: boolean } = {}) => call(() => api<DeployedFunction>(`/functions/${encodeURIComponent(name)}`, { query: opts.showEnv ? { env: 'true' } : {} })),
    deleteFunction: (name: string) => long(AGENT_TIMEOUTS.change, options => api<{ name: string, versionsRemoved: number, lastVersion: number }>(`/functions/${encodeURIComponent(name)}`, { ...options, method: 'DELETE' })),
    /** Streams a build-context tar to the agent, which builds and switches to it. */
    deploy: (name: string, context: AsyncIterable<Uint8Array>) => long(AGENT_TIMEOUTS.deploy, options => api<DeployResponse>(`/functions/${encodeURIComponent(name)}`, {
      ...options,
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      // tar's stream is a minipass, not a stream.Readable: wrap it before handing it to fetch.
      body: Readable.toWeb(Readable.from(context)) as unknown as BodyInit,
      // Node's fetch needs this to stream a request body.
      ...{ duplex: 'half' },
    })),
    /** Calls a function through the admin API; resolves with the raw response whatever its status. */
    invoke: (name: string, init: InvokeInit) => long(AGENT_TIMEOUTS.invoke, options => api.raw(`/functions/${encodeURIComponent(name)}/invoke${init.path ?? '/'}`, {
      ...options,
      method: (init.method ?? (init.body !== undefined ? 'POST' : 'GET')) as 'GET',
      headers: init.headers,
      body: init.body,
      responseType: 'arrayBuffer',
      ignoreResponseError: true,
    })),
    listVersions: (name: string) => call(() => api<FunctionVersions>(`/functions/${encodeURIComponent(name)}/versions`)),
    rollback: (name: string, version?: number) => long(AGENT_TIMEOUTS.change, options => api<{ name: string, from: number | null, to: number, url: string, durationMs: number }>(`/functions/${encodeURIComponent(name)}/rollback`, { ...options, method: 'POST', body: version === undefined ? {} : { version } })),
    listReleases: () => call(() => api<{ releases: ReleaseListing[] }>('/releases')),
    recordRelease: (functions: string[], partial: boolean, keepVersions?: number) => long(AGENT_TIMEOUTS.change, options => api<ReleaseRecord>('/releases', { ...options, method: 'POST', body: { functions, partial, keepVersions } })),
    /** `force`: roll back the others when some functions of the release have been deleted since. */
    rollbackRelease: (id?: number, force = false) => long(AGENT_TIMEOUTS.change, options => api<ReleaseRollbackResult>('/releases/rollback', { ...options, method: 'POST', body: { id, force } })),
    listSecrets: () => call(() => api<SecretsOverview>('/secrets')),
    /** The value goes in the body, never in the URL (which proxies and logs keep). */
    setSecret: (name: string, value: string) => long(AGENT_TIMEOUTS.change, options => api<{ name: string, created: boolean, createdAt: string, updatedAt: string, recycled: string[] }>(`/secrets/${encodeURIComponent(name)}`, { ...options, method: 'PUT', body: { value } })).catch((error) => {
      throw withoutCause(error)
    }),
    removeSecret: (name: string, force: boolean) => long(AGENT_TIMEOUTS.change, options => api<{ name: string, removed: boolean, usedBy: string[], recycled: string[] }>(`/secrets/${encodeURIComponent(name)}`, { ...options, method: 'DELETE', query: force ? { force: 'true' } : {} })),
    listKeys: () => call(() => api<{ keys: Array<{ id: string, name: string, scope: string, createdAt: string }> }>('/keys')),
  }
}

export type AgentClient = ReturnType<typeof createAgentClient>
