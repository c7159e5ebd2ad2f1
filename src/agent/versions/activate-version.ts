import type { FunctionRecord, SwitchRecord, VersionRecord } from '../../store/records'
import type { AgentContext } from '../context'
import { assertSecretsSet } from '../secrets/function-env'

const HISTORY_LENGTH = 100

/**
 * Proves a fresh instance of `version` answers, then makes it current: first in the store (one atomic
 * record write, so a crash leaves the old or the new current version), then in the gateway.
 * A failure to start leaves everything as it was and throws the function's own error.
 */
export async function warmVersion(ctx: AgentContext, version: VersionRecord): Promise<void> {
  assertSecretsSet(version.function, version.config, ctx.secrets)
  const pool = ctx.serving.poolFor(version)
  try {
    await pool.warm(true)
  }
  catch (error) {
    if (ctx.serving.get(version.function)?.pool !== pool) await ctx.serving.retirePool(version)
    throw error
  }
}

export function withSwitch(record: FunctionRecord, version: number, action: SwitchRecord['action'], release?: number): FunctionRecord {
  const at = new Date().toISOString()
  const entry: SwitchRecord = release === undefined ? { version, at, action } : { version, at, action, release }
  return { ...record, currentVersion: version, updatedAt: at, history: [...(record.history ?? []), entry].slice(-HISTORY_LENGTH) }
}

export async function activateVersion(ctx: AgentContext, record: FunctionRecord, version: VersionRecord, action: SwitchRecord['action']): Promise<FunctionRecord> {
  await warmVersion(ctx, version)
  const updated = withSwitch(record, version.number, action)
  await ctx.functions.put(updated)
  ctx.serving.switchTo(version)
  return updated
}
