import type { FunctionRuntimeConfig } from '../config/types'
import type { ReleaseRecord, SwitchRecord } from '../store/records'

/**
 * The admin API's wire contract: where it lives, what each route takes and answers. The agent's routes
 * answer with these types and the CLI's client reads them, so the two cannot drift apart. Errors are
 * always `LambdaErrorBody` (src/errors.ts). docs/agent.md lists the routes and their key scopes.
 */
export const ADMIN_PREFIX = '/_lambda'

/**
 * `Authorization: Bearer mlk_<id>_<secret>`: the id finds the key's record without comparing against
 * every key, the secret is checked against its stored hash.
 */
export const API_KEY_RE = /^mlk_([a-z0-9]{8})_([\w-]{43})$/

/** `GET /health` (no key). */
export interface HealthResponse {
  ok: boolean
  agent: 'mini-lambda'
  version: string
  provider: string
  isolated: boolean
  domain: string
}

/** A function's environment as the API shows it: plain values only when asked (`?env=true`), secret values never. */
export type EnvEntry
  = | { name: string, source: 'plain', value?: string }
    | { name: string, source: 'secret', secret: string, /** Whether the agent has it. */ set: boolean }

/** `GET /functions/:name`, and each item of `GET /functions`. */
export interface FunctionSummary {
  name: string
  version: number
  hash: string
  kind: 'node' | 'dockerfile'
  state: 'running' | 'starting' | 'idle'
  instances: number
  inflight: number
  url: string
  deployedAt: string
  /** The function's settings, without its environment. */
  config: Omit<FunctionRuntimeConfig, 'env'>
  env: EnvEntry[]
  /** Invocations of the last hour (all versions); absent when the agent runs with --no-metrics. */
  lastHour?: RecentActivity
}

/** What `lambda list` shows beside each function. */
export interface RecentActivity {
  invocations: number
  /** Failures on the function's side: 5xx, crash, timeout, out of memory, start failed. */
  errors: number
  /** 4xx: the caller's mistakes, counted apart. */
  clientErrors: number
  /** errors / invocations, 0 without invocations. */
  errorRate: number
}

export interface FunctionsResponse {
  functions: FunctionSummary[]
}

/** `PUT /functions/:name` (body: the build-context tar, see deploy-manifest.ts). */
export interface DeployResult {
  name: string
  status: 'built' | 'unchanged'
  version: number
  hash: string
  url: string
  durationMs: number
}

/** `DELETE /functions/:name`. */
export interface DeleteResult {
  name: string
  versionsRemoved: number
  /** The counter the name keeps: a redeploy continues after it. */
  lastVersion: number
}

/** `GET /functions/:name/versions`. */
export interface VersionsResponse {
  name: string
  current: number | null
  /** The highest number given so far: the next deploy that changes the function gets the one after. */
  lastVersion: number
  /** How many versions the function keeps (its last deploy's `deploy.keepVersions`). */
  keepVersions: number
  versions: Array<{ number: number, hash: string, kind: string, createdAt: string, image: string, current: boolean, url: string }>
  history: SwitchRecord[]
}

/** `POST /functions/:name/rollback`: no version means the one before the current. */
export interface RollbackRequest {
  version?: number | string
}

export interface RollbackResult {
  name: string
  from: number | null
  to: number
  url: string
  durationMs: number
}

/** A version a release points to that the agent no longer has. */
export interface MissingVersion {
  function: string
  version: number
  /** `pruned`: past deploy.keepVersions (or removed with an earlier delete); `deleted`: the function is deleted now. */
  reason: 'pruned' | 'deleted'
}

/** A release as `GET /releases` lists it: whether a rollback to it can restore all of it. */
export interface ReleaseListing extends ReleaseRecord {
  restorable: boolean
  missing: MissingVersion[]
}

export interface ReleasesResponse {
  releases: ReleaseListing[]
}

/**
 * `POST /releases`: what a whole-project deploy made current, function by function, from its own
 * outcomes (the agent checks each version exists, it does not read what is current again).
 */
export interface RecordReleaseRequest {
  functions: Record<string, number>
  /** Some functions of the project failed to deploy (they kept their previous versions). */
  partial?: boolean
  /** The project's deploy.keepVersions, applied to the functions of the release. */
  keepVersions?: number
}

/** `POST /releases/rollback`: no id means the previous release. */
export interface ReleaseRollbackRequest {
  id?: number | string
  /** Roll back the others when some functions of the release were deleted since. */
  force?: boolean
}

export interface ReleaseRollbackResult {
  release: ReleaseRecord
  from: Record<string, number | null>
  /** Functions of the target release that were deleted since and stay deleted (only with `force`). */
  skipped: string[]
}

export type KeyScope = 'admin' | 'deploy' | 'invoke'

export interface KeyListing {
  id: string
  name: string
  scope: KeyScope | string
  createdAt: string
}

/** `GET /keys`. */
export interface KeysResponse {
  keys: KeyListing[]
}

/** `POST /keys`. */
export interface CreateKeyRequest {
  name?: string
  scope?: KeyScope
}

/** The key itself is in this answer only: the agent keeps its hash. */
export interface CreatedKey {
  id: string
  name: string
  scope: KeyScope
  key: string
}

/** `DELETE /keys/:id`. */
export interface RevokedKey {
  id: string
  name: string
  scope: KeyScope | string
  revoked: true
}

export interface SecretListing {
  name: string
  createdAt: string
  updatedAt: string
  /** Deployed functions whose current version refers to it. */
  usedBy: string[]
}

/** `GET /secrets`: names and times, never values. */
export interface SecretsOverview {
  secrets: SecretListing[]
  /** Secrets deployed functions refer to that the agent does not have (removed with --yes). */
  missing: Array<{ name: string, usedBy: string[] }>
}

/** `PUT /secrets/:name`. */
export interface SetSecretRequest {
  value: string
}

export interface SetSecretResult {
  name: string
  created: boolean
  createdAt: string
  updatedAt: string
  /** Functions whose instances were replaced to pick up the new value. */
  recycled: string[]
}

/** `DELETE /secrets/:name[?force=true]`. */
export interface RemoveSecretResult {
  name: string
  removed: boolean
  usedBy: string[]
  recycled: string[]
}

/** Invocations that failed, by why (docs/metrics.md): one class each. */
export interface ErrorCounts {
  '4xx': number
  '5xx': number
  'crash': number
  'timeout': number
  'outOfMemory': number
  'startFailed': number
}

/** Durations in ms; null without invocations. Percentiles are exact to within ±19% and never above `maxMs`. */
export interface DurationStats {
  avgMs: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
}

/** What happened in a window of whole minutes. */
export interface MetricsWindow {
  invocations: number
  errors: ErrorCounts
  /** 5xx + crash + timeout + outOfMemory + startFailed. */
  serverErrors: number
  /** serverErrors / invocations, 0 without invocations. */
  errorRate: number
  coldStarts: number
  duration: DurationStats | null
  /** The most requests in flight at once. */
  concurrencyPeak: number
}

/** One minute of a function (all versions), for charts. */
export interface MetricsPoint extends MetricsWindow {
  /** The minute's start (ISO). */
  at: string
  /** Each gauge's largest sample in the minute (e.g. `async_queue_depth`), when the function has gauges. */
  gauges?: Record<string, number>
}

/** Everything since the agent first counted an invocation of the version (kept across restarts). */
export interface MetricsTotals {
  /** ISO time of the first invocation counted; null when none. */
  since: string | null
  invocations: number
  errors: ErrorCounts
  serverErrors: number
  coldStarts: number
  /** null without invocations. */
  durationAvgMs: number | null
}

export interface VersionMetrics {
  version: number
  window: MetricsWindow
  total: MetricsTotals
}

/** A registered gauge of a function (e.g. the async queue's depth): now, and its largest sample in the window. */
export interface GaugeReading {
  current: number | null
  peak: number | null
}

export interface FunctionMetrics {
  name: string
  window: MetricsWindow
  total: MetricsTotals
  gauges: Record<string, GaugeReading>
  /** Versions with invocations (kept versions, and earlier ones until their minutes are older than 24 h), newest first. */
  versions: VersionMetrics[]
  /** Minutes of the window with activity, oldest first. */
  series: MetricsPoint[]
}

/** `GET /metrics/functions[/:name]?since=1h`: `since` is `<n>s|m|h|d` (at most 24h) or an ISO time within the last 24 h. */
export interface MetricsResponse {
  /** Start of the window: the start of the minute `since` falls in (ISO). */
  since: string
  /** The end of the window: now (ISO). */
  until: string
  functions: FunctionMetrics[]
}
