import type { ConfigIssue, ShapeInput } from './checks'
import type { FunctionEnv } from './env'
import type { OptionsInput, OptionsResolved } from './option'
import { ASYNC_DEFAULTS, asyncConfig, resolveAsyncConfig } from './async'
import { boolean, checkShape, isPlainObject, number, oneOf, string } from './checks'
import { envRecord } from './env'
import { IDLE_DEFAULTS, idleConfig, resolveIdleConfig } from './idle'
import { defineOption, mergeOptions, resolveOptions } from './option'
import { queueConfig, resolveQueueConfig } from './queue'
import { rateLimitConfig, resolveRateLimit } from './rate-limit'
import { resolveSchedules, schedule } from './schedule'

/**
 * THE options of a function: a new option is declared here, once, and only here. From this table
 * follow the types users write (`FunctionConfig`, `defaults`) and the resolved ones, the defaults,
 * the checks of `lambda.config.ts` and of every upload the agent receives, and the "did you mean"
 * for unknown keys (see CONTRIBUTING.md). The comments are what editors show on hover.
 */
export const FUNCTION_OPTIONS = {
  /** Seconds one invocation may take before it is answered 504 and its instance replaced. Default: 30. */
  timeout: defineOption({ check: number({ min: 0.001, max: 900, unit: 'seconds', example: 30 }), default: 30 }),
  /** Memory limit in MB. Default: 128. */
  memory: defineOption({ check: number({ min: 16, max: 65536, integer: true, unit: 'MB', example: 128 }), default: 128 }),
  /** CPU cores the function's container may use (cgroup quota), e.g. 0.5. Default: 1. */
  cpu: defineOption({ check: number({ min: 0.01, max: 256, unit: 'cores', example: 1 }), default: 1 }),
  /** Environment variables the function sees in `process.env`: a string, or `secret('name')` for a value kept on the agent. Merged over `defaults.env`. */
  env: defineOption({ check: envRecord, default: {}, resolve: (env): FunctionEnv => ({ ...env }), merge: (fromDefaults, own) => ({ ...fromDefaults, ...own }) }),
  /** Cron schedules that invoke the function: a cron string, `{ cron, timezone, payload, enabled, overlap, catchUp }`, or a list of at most 20 (docs/schedules.md). */
  schedule: defineOption({ check: schedule, default: [], resolve: resolveSchedules }),
  /** Requests one instance serves at the same time. Default: 50. */
  concurrency: defineOption({ check: number({ min: 1, max: 10000, integer: true, unit: 'requests', example: 50 }), default: 50 }),
  /** Instances kept warm even when idle. Default: 0 (scale to zero). */
  minInstances: defineOption({ check: number({ min: 0, max: 100, integer: true, unit: 'instances', example: 0 }), default: 0 }),
  /** Upper bound of instances (raised to `minInstances` when lower). Default: 10. */
  maxInstances: defineOption({ check: number({ min: 1, max: 1000, integer: true, unit: 'instances', example: 10 }), default: 10 }),
  /** Requests a second this agent lets through to the function: `{ perSecond: 5, burst: 10 }` (token bucket), more get `429 RATE_LIMITED` with `Retry-After` (docs/rate-limits.md). Per agent, not global. Default: false (no limit). */
  rateLimit: defineOption({ check: rateLimitConfig, default: false, resolve: resolveRateLimit }),
  /** `'key'` makes the function URL require an API key. Default: `'none'` (public). */
  auth: defineOption({ check: oneOf(['none', 'key']), default: 'none' }),
  /** Allow outbound network from the function's container. Default: false. */
  network: defineOption({ check: boolean, default: false }),
  /** What happens to an idle instance: paused after `pauseAfter` (kept in memory, resumes in milliseconds), stopped after `stopAfter` (the next call is a cold start). Default: `{ pauseAfter: 10 }`, stopped after the agent's `--idle-timeout`. Merged over `defaults.idle`. */
  idle: defineOption({ check: idleConfig, default: IDLE_DEFAULTS, resolve: resolveIdleConfig, merge: (fromDefaults, own) => ({ ...fromDefaults, ...own }) }),
  /** Asynchronous calls (`X-Lambda-Invocation-Type: Event`): retries after a failure, and how long a call may wait. Default: `{ retries: 2, maxAgeSeconds: 21600 }`. Merged over `defaults.async`. */
  async: defineOption({ check: asyncConfig, default: ASYNC_DEFAULTS, resolve: resolveAsyncConfig, merge: (fromDefaults, own) => ({ ...fromDefaults, ...own }) }),
  /** Requests waiting for a free instance: at most `maxWaiting`, and none expected to wait past `maxWait`; more get 429 with Retry-After at once (docs/config.md). Default: 10 per slot, half the timeout. Merged over `defaults.queue`. */
  queue: defineOption({ check: queueConfig, default: {}, resolve: resolveQueueConfig, merge: (fromDefaults, own) => ({ ...fromDefaults, ...own }) }),
}

/** Where a function's code lives: only in `functions.<name>`, resolved against the project, never uploaded. */
export const FUNCTION_SOURCE_OPTIONS = {
  /** Entry file, relative to the project root. Default: `<functionsDir>/<name>/index.{ts,js,mjs}`. */
  entry: string('functions/hello/index.ts'),
  /** Function directory, relative to the project root. A `Dockerfile` in it makes it a container function. */
  dir: string('functions/hello'),
}

/** The options of a function as written in `functions.<name>` (after its code's place) and in `defaults`. */
export type FunctionOptions = OptionsInput<typeof FUNCTION_OPTIONS>
/** Every option of a function with its default applied. */
export type ResolvedFunctionOptions = OptionsResolved<typeof FUNCTION_OPTIONS>
export type FunctionSourceOptions = ShapeInput<typeof FUNCTION_SOURCE_OPTIONS>

const optionChecks = Object.fromEntries(Object.entries(FUNCTION_OPTIONS).map(([key, spec]) => [key, spec.check]))

/** Rules between options; each rule looks only at values of the types it needs. */
function checkOptionRelations(options: Record<string, unknown>, path: string, issues: ConfigIssue[]) {
  const { minInstances, maxInstances } = options
  if (typeof minInstances === 'number' && typeof maxInstances === 'number' && minInstances > maxInstances) {
    issues.push({ path: `${path}.minInstances`, value: minInstances, problem: `is greater than maxInstances (${maxInstances})`, fix: 'lower minInstances or raise maxInstances' })
  }
}

/**
 * Checks the options of one function at `path` (`functions.hello`, `defaults`): what `lambda.config.ts`
 * says and what an upload tells the agent pass the very same checks. `withSource` also allows `entry`
 * and `dir`, which only a project's own config has.
 */
export function checkFunctionOptions(value: unknown, path: string, issues: ConfigIssue[], opts: { withSource?: boolean } = {}): boolean {
  const before = issues.length
  const shape = opts.withSource ? { ...FUNCTION_SOURCE_OPTIONS, ...optionChecks } : optionChecks
  checkShape(value, path, shape, issues)
  if (isPlainObject(value)) checkOptionRelations(value, path, issues)
  return issues.length === before
}

/** Every option of a function in its resolved form, defaults applied. */
export function resolveFunctionOptions(input: FunctionOptions): ResolvedFunctionOptions {
  const resolved = resolveOptions(FUNCTION_OPTIONS, input)
  return { ...resolved, maxInstances: Math.max(resolved.maxInstances, resolved.minInstances) }
}

/** A function's own options over the project's `defaults`. */
export const mergeFunctionOptions = (fromDefaults: FunctionOptions | undefined, own: FunctionOptions): FunctionOptions =>
  mergeOptions(FUNCTION_OPTIONS, fromDefaults, own)
