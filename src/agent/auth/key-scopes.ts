import type { ApiKeyRecord } from '../../store/records'

/** What a key may do, each including the ones after it: admin ⊃ deploy ⊃ invoke. */
export const KEY_SCOPES = ['admin', 'deploy', 'invoke'] as const
export type KeyScope = (typeof KEY_SCOPES)[number]

/**
 * A new key's scope when none is asked for: enough for CI to deploy, not enough to manage keys.
 * The agent's first key, printed at its first start, is the admin key.
 */
export const DEFAULT_KEY_SCOPE: KeyScope = 'deploy'

export const SCOPE_DESCRIPTIONS: Record<KeyScope, string> = {
  admin: 'everything, including managing API keys',
  deploy: 'deploy, delete, list, versions, rollback, releases, logs and invoke',
  invoke: 'call functions with auth: \'key\' and invoke through the admin API',
}

const RANK: Record<KeyScope, number> = { invoke: 1, deploy: 2, admin: 3 }

export function isKeyScope(value: unknown): value is KeyScope {
  return typeof value === 'string' && Object.hasOwn(RANK, value)
}

/**
 * The scope a stored key has. Keys written before scopes existed have none and were full admin keys,
 * so they stay admin keys; a scope this agent does not know grants nothing.
 */
export function scopeOf(record: Pick<ApiKeyRecord, 'scope'>): KeyScope | undefined {
  if (record.scope === undefined) return 'admin'
  return isKeyScope(record.scope) ? record.scope : undefined
}

export function scopeAllows(has: KeyScope | undefined, needs: KeyScope): boolean {
  return has !== undefined && RANK[has] >= RANK[needs]
}

/** The problem with `value` as a scope, for CLI flags and API bodies alike. */
export function keyScopeProblem(value: unknown): { problem: string, hint: string } | undefined {
  if (isKeyScope(value)) return undefined
  return {
    problem: `must be one of ${KEY_SCOPES.map(s => `"${s}"`).join(', ')}`,
    hint: `Pick one: ${KEY_SCOPES.map(s => `${s} (${SCOPE_DESCRIPTIONS[s]})`).join('; ')}.`,
  }
}
