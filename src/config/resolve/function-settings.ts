import type { FunctionConfig, FunctionRuntimeConfig, ResolvedSchedule } from '../types'
import { FUNCTION_DEFAULTS } from '../defaults'

/** The options of one function as written (after `defaults`), without where its code lives. */
export type FunctionSettingsInput = Omit<FunctionConfig, 'entry' | 'dir' | 'schedule'> & {
  schedule?: FunctionConfig['schedule'] | ResolvedSchedule[]
}

function resolveSchedules(schedule: FunctionSettingsInput['schedule']): ResolvedSchedule[] {
  if (schedule === undefined) return []
  return (Array.isArray(schedule) ? schedule : [schedule]).map(entry =>
    typeof entry === 'string'
      ? { cron: entry, timezone: 'UTC', enabled: true }
      : { cron: entry.cron, timezone: entry.timezone ?? 'UTC', payload: entry.payload, enabled: entry.enabled ?? true })
}

/**
 * Every runtime setting of a function, each default applied: what the CLI resolves from
 * lambda.config.ts and what the agent completes an uploaded config with, so the two never differ.
 */
export function resolveFunctionSettings(name: string, kind: FunctionRuntimeConfig['kind'], input: FunctionSettingsInput): FunctionRuntimeConfig {
  const merged = { ...FUNCTION_DEFAULTS, ...input }
  return {
    name,
    kind,
    timeout: merged.timeout,
    memory: merged.memory,
    cpu: merged.cpu,
    env: { ...input.env },
    schedule: resolveSchedules(input.schedule),
    concurrency: merged.concurrency,
    minInstances: merged.minInstances,
    maxInstances: Math.max(merged.maxInstances, merged.minInstances),
    auth: merged.auth,
    network: merged.network,
  }
}
