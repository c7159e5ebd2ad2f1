import type { KeyScope } from '../agent/auth/key-scopes'
import type { ScheduleOverlap } from '../config/schema/schedule'
import type { FunctionRuntimeConfig } from '../config/types'

/** One change of the serving version, for `lambda versions --history`. */
export interface SwitchRecord {
  version: number
  at: string
  action: 'deploy' | 'rollback' | 'release-rollback'
  /** The release a release rollback went back to. */
  release?: number
}

/** What the agent knows about a deployed function. */
export interface FunctionRecord {
  name: string
  /** The version the gateway serves; null while none is (never, once a deploy succeeded). */
  currentVersion: number | null
  /** Highest version number ever given out: numbers only grow, also after pruning. */
  lastVersion: number
  /** Versions kept for rollback (the project's deploy.keepVersions). */
  keepVersions: number
  /** What was current when, newest last (bounded). */
  history: SwitchRecord[]
  createdAt: string
  updatedAt: string
}

/**
 * What is left of a deleted function: its version counter, so a redeploy under the same name continues
 * at lastVersion + 1 and `v<N>` never means two different builds. Removed by that redeploy.
 */
export interface TombstoneRecord {
  name: string
  lastVersion: number
  deletedAt: string
}

/** An image the provider built; what it means is the provider's business. */
export interface ImageRef {
  /** Docker: the image tag; process: the artifact folder. */
  ref: string
  /** Docker image id, when known. */
  id?: string
  /**
   * Docker, a custom image built on the base image: its own command, which the base image's connector
   * runs and bridges to the agent's link. Absent: the image dials the link itself (our runtime does).
   */
  connector?: string[]
}

/** One immutable build of a function. */
export interface VersionRecord {
  function: string
  number: number
  hash: string
  kind: 'node' | 'dockerfile'
  image: ImageRef
  config: FunctionRuntimeConfig
  createdAt: string
}

/** The function → version map one whole-project deploy (or a release rollback) made current. */
export interface ReleaseRecord {
  id: number
  createdAt: string
  kind: 'deploy' | 'rollback'
  /** For kind 'rollback': the release it went back to. */
  rollbackOf?: number
  /** A deploy where some functions failed (they kept their previous versions). */
  partial: boolean
  functions: Record<string, number>
  /** For kind 'rollback' with force: functions of the target release that had been deleted, left deleted. */
  skipped?: string[]
}

export interface ApiKeyRecord {
  id: string
  name: string
  /** Absent in keys written before scopes existed: those are admin keys (see `scopeOf`). */
  scope?: KeyScope
  /** sha256 of the secret part, hex; the key itself is never stored. */
  hash: string
  /**
   * The secrets a deploy-scope key may give to the functions it deploys (`env: { X: secret('name') }`),
   * `*` for any; admin keys may give any. Absent only in keys written before grants existed, which the
   * agent's first start after the upgrade fills in (see migrate-key-grants.ts).
   */
  secrets?: string[]
  /** Requests a second this key may make (admin API and `auth: key` functions), per agent; absent: no limit. */
  rateLimit?: KeyRateLimit
  createdAt: string
}

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface KeyRateLimit {
  perSecond: number
  burst: number
}

export interface AgentRecord {
  /** Labels every container of this agent, so a restart finds its own leftovers and nobody else's. */
  id: string
  createdAt: string
}

/**
 * One secret as stored: only ciphertext. AES-256-GCM under the agent's master key (`<dataDir>/master.key`,
 * never in the store), with the secret's name bound in as associated data so a record cannot be
 * passed off as another secret.
 */
export interface SecretRecord {
  name: string
  cipher: 'aes-256-gcm'
  /** base64: 12-byte nonce, 16-byte authentication tag, the encrypted value. */
  iv: string
  tag: string
  data: string
  createdAt: string
  updatedAt: string
}

/** A schedule added with `lambda schedule <fn> --cron …` (config schedules live in their version's config). */
export interface CliScheduleRecord {
  id: string
  function: string
  cron: string
  timezone: string
  payload?: unknown
  overlap: ScheduleOverlap
  catchUp: boolean
  createdAt: string
}

/** What the agent keeps about any schedule, config or CLI, besides its definition. Small: written on every run. */
export interface ScheduleStateRecord {
  id: string
  function: string
  /** Paused with `lambda schedule pause`. */
  paused: boolean
  /** Since when it has been firing without a break (created, first seen, resumed): nothing before is missed. */
  activeSince: string
  /** The latest scheduled time that was handled (run or skipped): a catch-up run covers what comes after. */
  lastScheduledAt?: string
  updatedAt: string
}

/** One run of a schedule: a record of its own, so history never rewrites a growing record. */
export interface ScheduleRunRecord {
  /** Also the request id the function saw, and the EventBridge event's `id`. */
  id: string
  schedule: string
  function: string
  /** What made it run: its time came, `lambda schedule run`, or a catch-up after the agent was down. */
  trigger: 'schedule' | 'manual' | 'catch-up'
  scheduledAt: string
  /** Absent for a skipped run. */
  startedAt?: string
  endedAt?: string
  durationMs?: number
  /** The function's HTTP status, or the agent's (502, 504) when it crashed or timed out. */
  status?: number
  /**
   * `running`: written as the run starts, replaced by how it ended. One that stays `running` after the agent
   * stopped (a kill -9, a crash, a stop that did not wait for it) reads as `interrupted`: it is not run again.
   */
  outcome: 'ok' | 'error' | 'timeout' | 'skipped' | 'running' | 'interrupted'
  /** The version that ran it. */
  version?: number
  /** How long after its scheduled time the run started (queued runs wait for the one before). */
  latenessMs?: number
  /** Why it was skipped, or what went wrong (the agent's error code, or the start of the function's own error answer). */
  reason?: string
  error?: { code: string, message: string }
}
