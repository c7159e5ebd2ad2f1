import type { $Fetch, FetchOptions } from 'ofetch'
import type { AcceptedInvocation, AddScheduleRequest, DeleteResult, DeployResult, FunctionsResponse, HealthResponse, InvocationDetail, InvocationsResponse, InvocationStatus, KeysResponse, MetricsResponse, RecordReleaseRequest, ReleaseRollbackRequest, ReleaseRollbackResult, ReleasesResponse, RemovedSchedule, RemoveSecretResult, RollbackRequest, RollbackResult, ScheduleHistoryResponse, ScheduleListing, ScheduleRun, SchedulesResponse, SecretsOverview, SetSecretRequest, SetSecretResult, VersionsResponse } from '../api/admin-api'
import type { ReleaseRecord } from '../store/records'
import type { Connection } from './connection'
import { Readable } from 'node:stream'
import { ofetch } from 'ofetch'
import { ADMIN_PREFIX } from '../api/admin-api'
import { fromFetchFailure, withoutCause } from './agent-errors'
import { warnIfKeyInClear } from './cleartext-key'
import { NO_REDIRECTS, refuseRedirects } from './refuse-redirects'
import { AGENT_TIMEOUTS } from './timeouts'

export type { HealthResponse as AgentHealth, FunctionSummary as DeployedFunction, DeployResult as DeployResponse, EnvEntry, VersionsResponse as FunctionVersions, SecretListing, SecretsOverview } from '../api/admin-api'

export interface InvokeInit {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/**
 * The admin API, over ofetch. Every request has a deadline (see timeouts.ts) and goes only where it was
 * sent: a redirect is never followed (refuse-redirects.ts).
 */
export function createAgentClient(conn: Connection) {
  warnIfKeyInClear(conn)
  const defaults: FetchOptions = {
    baseURL: `${conn.host}${ADMIN_PREFIX}`,
    headers: conn.apiKey ? { authorization: `Bearer ${conn.apiKey}` } : {},
    retry: 0,
    timeout: AGENT_TIMEOUTS.request,
    ...NO_REDIRECTS,
  }
  const api: $Fetch = ofetch.create({ ...defaults, onResponse: refuseRedirects(conn) })
  // A function's answer, whatever its status: its 3xx is printed, not refused (and not followed either).
  const callFunction: $Fetch = ofetch.create(defaults)
  const call = async <T>(run: () => Promise<T>, timeoutMs: number = AGENT_TIMEOUTS.request): Promise<T> => {
    try {
      return await run()
    }
    catch (error) {
      throw fromFetchFailure(conn, error, timeoutMs)
    }
  }
  const health = () => call(() => api<HealthResponse>('/health'))
  // Before a call that may rightly take minutes: does anything answer at all? (Once per client.)
  let reachable: Promise<HealthResponse> | undefined
  const long = async <T>(timeoutMs: number, run: (options: Pick<FetchOptions, 'timeout'>) => Promise<T>): Promise<T> => {
    reachable ??= health()
    await reachable
    return call(() => run({ timeout: timeoutMs }), timeoutMs)
  }
  return {
    connection: conn,
    health,
    listFunctions: (opts: { showEnv?: boolean } = {}) => call(() => api<FunctionsResponse>('/functions', { query: opts.showEnv ? { env: 'true' } : {} })).then(r => r.functions),
    deleteFunction: (name: string) => long(AGENT_TIMEOUTS.change, options => api<DeleteResult>(`/functions/${encodeURIComponent(name)}`, { ...options, method: 'DELETE' })),
    /** Streams a build-context tar to the agent, which builds and switches to it. */
    deploy: (name: string, context: AsyncIterable<Uint8Array>) => long(AGENT_TIMEOUTS.deploy, options => api<DeployResult>(`/functions/${encodeURIComponent(name)}`, {
      ...options,
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      // tar's stream is a minipass, not a stream.Readable: wrap it before handing it to fetch.
      body: Readable.toWeb(Readable.from(context)) as unknown as BodyInit,
      // Node's fetch needs this to stream a request body.
      ...{ duplex: 'half' },
    })),
    /** Calls a function through the admin API; resolves with the raw response whatever its status. */
    invoke: (name: string, init: InvokeInit) => long(AGENT_TIMEOUTS.invoke, options => callFunction.raw(`/functions/${encodeURIComponent(name)}/invoke${init.path ?? '/'}`, {
      ...options,
      method: (init.method ?? (init.body !== undefined ? 'POST' : 'GET')) as 'GET',
      headers: init.headers,
      body: init.body,
      responseType: 'arrayBuffer',
      ignoreResponseError: true,
    })),
    listVersions: (name: string) => call(() => api<VersionsResponse>(`/functions/${encodeURIComponent(name)}/versions`)),
    rollback: (name: string, version?: number) => long(AGENT_TIMEOUTS.change, options => api<RollbackResult>(`/functions/${encodeURIComponent(name)}/rollback`, { ...options, method: 'POST', body: (version === undefined ? {} : { version }) satisfies RollbackRequest })),
    listReleases: () => call(() => api<ReleasesResponse>('/releases')),
    /** What a whole-project deploy made current, from its own outcomes. */
    recordRelease: (release: RecordReleaseRequest) => long(AGENT_TIMEOUTS.change, options => api<ReleaseRecord>('/releases', { ...options, method: 'POST', body: release })),
    /** `force`: roll back the others when some functions of the release have been deleted since. */
    rollbackRelease: (id?: number, force = false) => long(AGENT_TIMEOUTS.change, options => api<ReleaseRollbackResult>('/releases/rollback', { ...options, method: 'POST', body: { id, force } satisfies ReleaseRollbackRequest })),
    listSecrets: () => call(() => api<SecretsOverview>('/secrets')),
    /** The value goes in the body, never in the URL (which proxies and logs keep). */
    setSecret: (name: string, value: string) => long(AGENT_TIMEOUTS.change, options => api<SetSecretResult>(`/secrets/${encodeURIComponent(name)}`, { ...options, method: 'PUT', body: { value } satisfies SetSecretRequest })).catch((error) => {
      throw withoutCause(error)
    }),
    removeSecret: (name: string, force: boolean) => long(AGENT_TIMEOUTS.change, options => api<RemoveSecretResult>(`/secrets/${encodeURIComponent(name)}`, { ...options, method: 'DELETE', query: force ? { force: 'true' } : {} })),
    listKeys: () => call(() => api<KeysResponse>('/keys')),
    listSchedules: (fn?: string) => call(() => api<SchedulesResponse>('/schedules', { query: fn === undefined ? {} : { function: fn } })).then(r => r.schedules),
    addSchedule: (request: AddScheduleRequest) => call(() => api<ScheduleListing>('/schedules', { method: 'POST', body: request })),
    removeSchedule: (id: string) => call(() => api<RemovedSchedule>(`/schedules/${encodeURIComponent(id)}`, { method: 'DELETE' })),
    pauseSchedule: (id: string) => call(() => api<ScheduleListing>(`/schedules/${encodeURIComponent(id)}/pause`, { method: 'POST' })),
    resumeSchedule: (id: string) => call(() => api<ScheduleListing>(`/schedules/${encodeURIComponent(id)}/resume`, { method: 'POST' })),
    /** Fires a schedule now and waits for its run (up to the function's timeout). */
    runSchedule: (id: string) => long(AGENT_TIMEOUTS.invoke, options => api<ScheduleRun>(`/schedules/${encodeURIComponent(id)}/run`, { ...options, method: 'POST' })),
    scheduleHistory: (id: string, limit?: number) => call(() => api<ScheduleHistoryResponse>(`/schedules/${encodeURIComponent(id)}/history`, { query: limit === undefined ? {} : { limit } })),
    listInvocations: (filter: { function?: string, status?: InvocationStatus, limit?: number } = {}) => call(() => api<InvocationsResponse>('/invocations', { query: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) })),
    getInvocation: (id: string) => call(() => api<InvocationDetail>(`/invocations/${encodeURIComponent(id)}`)),
    replayInvocation: (id: string) => call(() => api<AcceptedInvocation>(`/invocations/${encodeURIComponent(id)}/replay`, { method: 'POST' })),
    /** Per-function metrics over the window since `since` (`1h`, `15m`, an ISO time); one function, or all. */
    metrics: (opts: { name?: string, since?: string } = {}) => call(() => api<MetricsResponse>(opts.name ? `/metrics/functions/${encodeURIComponent(opts.name)}` : '/metrics/functions', { query: opts.since ? { since: opts.since } : {} })),
  }
}

export type AgentClient = ReturnType<typeof createAgentClient>
