import { Readable } from 'node:stream'
import { FetchError, ofetch } from 'ofetch'
import type { $Fetch } from 'ofetch'
import { LambdaError } from '../errors'
import type { DeployResult as DeployResponse } from '../agent/deploy/deploy-function'
import type { EnvEntry } from '../agent/routes/env-entries'
import type { SecretsOverview } from '../agent/secrets/manage-secrets'
import type { ReleaseRollbackResult } from '../agent/versions/releases'
import type { ReleaseListing } from '../agent/versions/release-status'
import type { FunctionRuntimeConfig } from '../config/types'
import type { ReleaseRecord, SwitchRecord } from '../store/records'
import type { Connection } from './settings'

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

export type { EnvEntry } from '../agent/routes/env-entries'
export type { SecretsOverview, SecretListing } from '../agent/secrets/manage-secrets'

export type { DeployResult as DeployResponse } from '../agent/deploy/deploy-function'

export interface FunctionVersions {
  name: string
  current: number | null
  versions: Array<{ number: number; hash: string; kind: string; createdAt: string; image: string; current: boolean; url: string }>
  history: SwitchRecord[]
}

export interface InvokeInit {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string | Buffer
}

function unreachable(conn: Connection, cause: unknown): LambdaError {
  const code = (cause as { cause?: { code?: string } })?.cause?.code ?? (cause as Error)?.message
  return new LambdaError({
    code: 'AGENT_UNREACHABLE',
    status: 503,
    message: `Could not reach the agent at ${conn.host} (${code}).`,
    hint: `Is \`lambda agent\` running there and reachable? Set where it runs with \`lambda config set-host <url>\`${conn.hostSource === 'LAMBDA_HOST' ? ' (LAMBDA_HOST is set and wins over the settings file)' : ' or LAMBDA_HOST'}.`,
    cause,
  })
}

/** Turns ofetch failures into LambdaErrors: the agent's own error body, or "unreachable". */
function fromFetchFailure(conn: Connection, error: unknown): LambdaError {
  if (error instanceof FetchError) {
    if (error.response) {
      return LambdaError.fromBody(error.data, error.response.status) ?? new LambdaError({
        code: 'AGENT_ERROR',
        status: error.response.status,
        message: `The agent at ${conn.host} answered ${error.response.status} ${error.response.statusText}.`,
        hint: 'Is that address a Mini Lambda agent? Check it with `lambda config show`.',
      })
    }
    return unreachable(conn, error)
  }
  return LambdaError.is(error) ? error : new LambdaError({ code: 'CLIENT_ERROR', status: 500, message: `Talking to the agent at ${conn.host} failed: ${(error as Error).message}`, cause: error })
}

/** The same error without its cause: a failed request to store a secret carries the value in its options. */
function withoutCause(error: unknown): unknown {
  if (!LambdaError.is(error)) return error
  return new LambdaError({ code: error.code, status: error.status, message: error.message, hint: error.hint, data: error.data })
}

/** The admin API, over ofetch. */
export function createAgentClient(conn: Connection) {
  const api: $Fetch = ofetch.create({
    baseURL: `${conn.host}/_lambda`,
    headers: conn.apiKey ? { authorization: `Bearer ${conn.apiKey}` } : {},
    retry: 0,
  })
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    }
    catch (error) {
      throw fromFetchFailure(conn, error)
    }
  }
  return {
    connection: conn,
    health: () => call(() => api<{ ok: boolean; version: string; provider: string; domain: string; isolated: boolean }>('/health')),
    listFunctions: (opts: { showEnv?: boolean } = {}) => call(() => api<{ functions: DeployedFunction[] }>('/functions', { query: opts.showEnv ? { env: 'true' } : {} })).then(r => r.functions),
    getFunction: (name: string, opts: { showEnv?: boolean } = {}) => call(() => api<DeployedFunction>(`/functions/${encodeURIComponent(name)}`, { query: opts.showEnv ? { env: 'true' } : {} })),
    deleteFunction: (name: string) => call(() => api<{ name: string; versionsRemoved: number }>(`/functions/${encodeURIComponent(name)}`, { method: 'DELETE' })),
    /** Streams a build-context tar to the agent, which builds and switches to it. */
    deploy: (name: string, context: NodeJS.ReadableStream) => call(() => api<DeployResponse>(`/functions/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      // tar's stream is a minipass, not a stream.Readable: wrap it before handing it to fetch.
      body: Readable.toWeb(Readable.from(context as AsyncIterable<Uint8Array>)) as unknown as BodyInit,
      // Node's fetch needs this to stream a request body.
      ...{ duplex: 'half' },
    })),
    /** Calls a function through the admin API; resolves with the raw response whatever its status. */
    invoke: (name: string, init: InvokeInit) => call(() => api.raw(`/functions/${encodeURIComponent(name)}/invoke${init.path ?? '/'}`, {
      method: (init.method ?? (init.body !== undefined ? 'POST' : 'GET')) as 'GET',
      headers: init.headers,
      body: init.body,
      responseType: 'arrayBuffer',
      ignoreResponseError: true,
    })),
    listVersions: (name: string) => call(() => api<FunctionVersions>(`/functions/${encodeURIComponent(name)}/versions`)),
    rollback: (name: string, version?: number) => call(() => api<{ name: string; from: number | null; to: number; url: string; durationMs: number }>(`/functions/${encodeURIComponent(name)}/rollback`, { method: 'POST', body: version === undefined ? {} : { version } })),
    listReleases: () => call(() => api<{ releases: ReleaseListing[] }>('/releases')),
    recordRelease: (functions: string[], partial: boolean, keepVersions?: number) => call(() => api<ReleaseRecord>('/releases', { method: 'POST', body: { functions, partial, keepVersions } })),
    /** `force`: roll back the others when some functions of the release have been deleted since. */
    rollbackRelease: (id?: number, force = false) => call(() => api<ReleaseRollbackResult>('/releases/rollback', { method: 'POST', body: { id, force } })),
    listSecrets: () => call(() => api<SecretsOverview>('/secrets')),
    /** The value goes in the body, never in the URL (which proxies and logs keep). */
    setSecret: (name: string, value: string) => call(() => api<{ name: string; created: boolean; createdAt: string; updatedAt: string; recycled: string[] }>(`/secrets/${encodeURIComponent(name)}`, { method: 'PUT', body: { value } })).catch((error) => {
      throw withoutCause(error)
    }),
    removeSecret: (name: string, force: boolean) => call(() => api<{ name: string; removed: boolean; usedBy: string[]; recycled: string[] }>(`/secrets/${encodeURIComponent(name)}`, { method: 'DELETE', query: force ? { force: 'true' } : {} })),
    listKeys: () => call(() => api<{ keys: Array<{ id: string; name: string; scope: string; createdAt: string }> }>('/keys')),
  }
}

export type AgentClient = ReturnType<typeof createAgentClient>
