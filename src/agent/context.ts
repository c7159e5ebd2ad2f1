import type { Provider } from '../providers/types'
import type { FunctionStore } from '../store/function-store'
import type { KeyStore } from '../store/key-store'
import type { AsyncInvocations } from './async/async-invocations'
import type { AuditLog } from './audit/audit-log'
import type { KeyedLock } from './deploy/keyed-lock'
import type { InvocationEvents } from './invocation-events'
import type { LogService } from './logs/log-service'
import type { AgentMetrics } from './metrics/agent-metrics'
import type { AgentOptions } from './options'
import type { RateLimits } from './rate-limit/rate-limits'
import type { Scheduler } from './schedules/scheduler'
import type { SecretVault } from './secrets/secret-vault'
import type { ServingTable } from './serving-table'

/** Everything the agent's routes and services share. */
export interface AgentContext {
  options: AgentOptions
  provider: Provider
  functions: FunctionStore
  keys: KeyStore
  /** What each key did, and each key refused: one line per action on the agent's output. */
  audit: AuditLog
  /** Decrypted secrets, for function environments; values never leave the agent. */
  secrets: SecretVault
  serving: ServingTable
  /** Every schedule (config and CLI), firing. */
  schedules: Scheduler
  locks: KeyedLock
  /** Invocations as they end: the access log, logs and metrics listen. */
  invocations: InvocationEvents
  /** Calls accepted with 202 (X-Lambda-Invocation-Type: Event), run in the background. */
  asyncInvocations: AsyncInvocations
  /** Function output and invocations, stored per function; undefined with --no-logs. */
  logs?: LogService
  /** Counts invocations per function version (docs/metrics.md); `registerGauge` publishes per-function values. */
  metrics: AgentMetrics
  /** Token buckets of rate-limited functions, in this agent's memory (docs/rate-limits.md). */
  rateLimits: RateLimits
  /** The agent's own temp folder (upload spools), emptied at every start. */
  tmpDir: string
  /** Where uploads are unpacked before they are built, emptied at every start. */
  uploadsDir: string
}
