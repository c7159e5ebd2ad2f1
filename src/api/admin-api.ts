import type { ScheduleOverlap } from '../config/schema/schedule'
import type { FunctionRuntimeConfig } from '../config/types'
import type { ReleaseRecord, ScheduleRunRecord, SwitchRecord } from '../store/records'

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
export const API_KEY_PATTERN = 'mlk_([a-z0-9]{8})_([\\w-]{43})'
export const API_KEY_RE = new RegExp(`^${API_KEY_PATTERN}$`)

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
  /** `running`: an instance serves; `paused`: every instance is paused (the next call resumes one); `idle`: none runs. */
  state: 'running' | 'starting' | 'paused' | 'idle'
  /** Instances in service, paused ones included. */
  instances: number
  /** Of `instances`, those paused now (frozen: no CPU, their memory kept). */
  paused: number
  /** Bytes the instances hold now (resident memory, page cache left out); absent when the provider cannot tell. */
  memoryBytes?: number
  /** Of `memoryBytes`, what the paused instances hold. */
  pausedMemoryBytes?: number
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
  /** What a deploy key may give to the functions it deploys (`*`: any); admin keys may give any. */
  secrets: string[]
  /** Requests a second the key may make on this agent, or false for no limit. */
  rateLimit: { perSecond: number, burst: number } | false
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
  /** Secrets the key may give to the functions it deploys (default: none). */
  secrets?: string[]
}

/** `PUT /keys/:id/secrets`: replaces the key's grants. */
export interface SecretGrantsRequest {
  secrets: string[]
}

/** The key itself is in this answer only: the agent keeps its hash. */
export interface CreatedKey {
  id: string
  name: string
  scope: KeyScope
  secrets: string[]
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

/** One run of a schedule, as the history lists it (newest first). */
export type ScheduleRun = ScheduleRunRecord

/** What a schedule is, wherever it comes from: what fires, when, with what, and how runs may overlap. */
export interface ScheduleFields {
  /** `cfg-…` (from lambda.config.ts, derived from what it does) or `cli-…` (added with `lambda schedule`). */
  id: string
  function: string
  /** `config`: from the function's current version (lambda.config.ts); `cli`: added with `lambda schedule`. */
  source: 'config' | 'cli'
  cron: string
  timezone: string
  payload?: unknown
  overlap: ScheduleOverlap
  catchUp: boolean
  /** Config: the version whose config defines it. */
  version?: number
  /** CLI: when it was added. */
  createdAt?: string
}

/** A schedule as `GET /schedules` lists it, config and CLI ones alike. */
export interface ScheduleListing extends ScheduleFields {
  /** `disabled`: `enabled: false` in lambda.config.ts; `paused`: `lambda schedule pause`. */
  state: 'active' | 'paused' | 'disabled'
  /** The next three times it fires (ISO, UTC); empty unless active. */
  nextRuns: string[]
  /** Runs going now, and whether one waits for them (overlap: queue). */
  running: number
  queued: boolean
  lastRun?: ScheduleRun
}

/** `GET /schedules[?function=<name>]`. */
export interface SchedulesResponse {
  schedules: ScheduleListing[]
}

/** `POST /schedules`: adds a schedule (source `cli`) to a deployed function. */
export interface AddScheduleRequest {
  function: string
  cron: string
  /** IANA time zone. Default: UTC. */
  timezone?: string
  /** JSON, at most 16 KB. */
  payload?: unknown
  /** Default: skip. */
  overlap?: ScheduleOverlap
  /** Default: false. */
  catchUp?: boolean
}

/** `DELETE /schedules/:id` (CLI schedules only). */
export interface RemovedSchedule {
  id: string
  function: string
  removed: true
}

/** `GET /schedules/:id/history[?limit=N]`: the schedule (null when it is no longer defined) and its runs, newest first. */
export interface ScheduleHistoryResponse {
  schedule: ScheduleListing | null
  runs: ScheduleRun[]
}

/**
 * Asynchronous invocations (docs/async.md). `queued`: waiting for a worker; `running`: an attempt is
 * under way; `retrying`: an attempt failed and the next one waits for its backoff; `succeeded` and
 * `failed` are final (`failed` is the dead-letter list).
 */
export const INVOCATION_STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed'] as const
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number]

/** An invocation id: a UUID. */
export const INVOCATION_ID_RE = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/** What a `202 Accepted` answers: the call is stored and will run. */
export interface AcceptedInvocation {
  id: string
  function: string
  status: 'queued'
  acceptedAt: string
  /** The invocation this one replays (`POST /invocations/:id/replay`). */
  replayOf?: string
}

/** One attempt at running the call. */
export interface InvocationAttempt {
  number: number
  startedAt: string
  durationMs: number
  /** The function's status, or the agent's (502 crash, 504 timeout). */
  status: number
  /** The function version that ran it. */
  version?: number
  /** Why it failed, when the agent knows (crash, timeout, could not start). */
  error?: { code: string, message: string }
}

/** A body as shown: text as text, anything else base64; `truncated` when only its start is kept. */
export interface StoredBody {
  body: string
  bodyEncoding: 'utf8' | 'base64'
  truncated: boolean
}

export interface InvocationResult extends StoredBody {
  status: number
  headers: Record<string, string>
}

/** Why a call ended as failed. */
export interface InvocationFailure {
  reason: 'retries-exhausted' | 'not-retried' | 'expired' | 'function-gone'
  message: string
}

export interface CallbackState {
  url: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  /** The callback server's status, when it answered. */
  responseStatus?: number
  error?: string
  at?: string
}

/** `GET /invocations`: newest first. */
export interface InvocationSummary {
  id: string
  function: string
  /** Set when the call went to `v<N>.<fn>`; otherwise each attempt runs the version current at its start. */
  version?: number
  status: InvocationStatus
  acceptedAt: string
  finishedAt?: string
  attemptCount: number
  /** The last attempt's status. */
  resultStatus?: number
  nextAttemptAt?: string
  replayOf?: string
}

export interface InvocationsResponse {
  invocations: InvocationSummary[]
  /** Over every kept invocation that matches the function filter (not only the listed page). */
  counts: Record<InvocationStatus, number>
}

/**
 * `GET /invocations/:id`. Request headers are shown as stored; credentials (Authorization, Cookie, …) are
 * stored sealed and only named, never shown, and the API key that let the call in is not stored at all.
 */
export interface InvocationDetail extends InvocationSummary {
  /** The body is shown up to 4 KB; `bodyBytes` is its whole size. */
  request: { method: string, path: string, headers: Record<string, string>, sealedHeaders?: string[], bodyBytes: number } & StoredBody
  attempts: InvocationAttempt[]
  result?: InvocationResult
  failure?: InvocationFailure
  callback?: CallbackState
}

/** What every log entry carries: `seq` grows with every entry of a function, across restarts (a cursor for `after`). */
interface LogEntryBase {
  seq: number
  /** ISO time: when the instance printed the line (Docker's timestamp), or when the agent received it or the invocation ended. */
  time: string
  function: string
  version: number
}

/** A line the function printed. `requestId` is null outside any request (while loading, a stray timer). */
export interface OutputLogEntry extends LogEntryBase {
  type: 'output'
  instance: string
  stream: 'stdout' | 'stderr'
  requestId: string | null
  message: string
}

/** How one invocation went. `error` is the agent's error code when it answered for the function (timeout, crash…). */
export interface InvocationOutcome {
  requestId: string
  method: string
  path: string
  status: number
  durationMs: number
  coldStart: boolean
  error?: string
}

/** One per invocation, when it ended. */
export interface InvocationLogEntry extends LogEntryBase, InvocationOutcome {
  type: 'invocation'
}

/** Lines the agent did not keep: the function printed faster than `--log-rate`, or a follower read too slowly. */
export interface DroppedLogEntry extends LogEntryBase {
  type: 'dropped'
  count: number
  reason: 'rate' | 'backlog' | 'slow-reader'
  message: string
}

export type LogEntry = OutputLogEntry | InvocationLogEntry | DroppedLogEntry

/**
 * On a followed stream: once when the stored entries are sent and live ones begin, then whenever nothing
 * else was sent for a while, so the client can tell the connection is alive. `seq`: entries up to it were
 * covered (a reconnecting client asks for `after` it).
 */
export interface LogHeartbeat {
  type: 'heartbeat'
  time: string
  seq: number
}

/**
 * `GET /functions/:name/logs`: newline-delimited JSON (`application/x-ndjson`), one `LogEntry` per line,
 * oldest first; with `follow`, then live entries and `LogHeartbeat`s until the client leaves.
 */
export interface LogsQuery {
  /** `10m`, `2h`, `7d`, or an ISO time. */
  since?: string
  /** Only the last N entries (of those since `since`). Default: 100 without `since`, all with it. */
  tail?: number
  version?: number
  /** A request id, or its first 8 or more characters. */
  request?: string
  /** Entries after this `seq` (what a follower saw last), ignoring `tail`. */
  after?: number
  follow?: boolean
}

/** How often a followed stream carries a heartbeat when nothing else was sent. */
export const LOG_HEARTBEAT_MS = 10_000

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
