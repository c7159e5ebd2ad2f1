import type { FunctionRuntimeConfig } from '../../config/types'
import type { ApiKeyRecord } from '../../store/records'
import { secretNameProblem, secretNamesOf } from '../../config/secret'
import { LambdaError } from '../../errors'
import { describeName } from './describe-name'
import { scopeOf } from './key-scopes'

/** A grant of every secret, present and future: an admin's explicit choice, never a default. */
export const ANY_SECRET = '*'

/** Most secrets one key may be granted by name (a listing, not a database). */
export const MAX_SECRET_GRANTS = 1000

/** The secrets `key` may give to the functions it deploys: an admin key any (`*`), others what they were granted. */
export function grantsOf(key: Pick<ApiKeyRecord, 'scope' | 'secrets'>): string[] {
  if (scopeOf(key) === 'admin') return [ANY_SECRET]
  return Array.isArray(key.secrets) ? key.secrets : []
}

/**
 * Whether `key` may give `secret` to a function it deploys. Deploying code that receives a secret is
 * reading that secret, so a deploy key needs the admin's grant for each; an admin key may give any.
 */
export function maySecretBeGiven(key: ApiKeyRecord, secret: string): boolean {
  const grants = grantsOf(key)
  return grants.includes(ANY_SECRET) || grants.includes(secret)
}

/** Refuses (403) a deploy or rollback whose function would receive a secret this key was not granted; nothing is built or switched. */
export function assertSecretsGranted(key: ApiKeyRecord, fn: string, env: FunctionRuntimeConfig['env']): void {
  const refused = secretNamesOf(env).filter(secret => !maySecretBeGiven(key, secret))
  if (refused.length === 0) return
  const listed = refused.map(s => `"${s}"`).join(', ')
  throw new LambdaError({
    code: 'SECRET_NOT_GRANTED',
    status: 403,
    message: `The API key ${key.id} (${describeName(key.name)}) may not give ${refused.length === 1 ? 'secret' : 'secrets'} ${listed} to function "${fn}": a key that puts code receiving a secret into service (a deploy or a rollback) can read it, so each needs an admin's grant. Nothing was changed.`,
    hint: `An admin grants ${refused.length === 1 ? 'it' : 'them'} on the agent's machine with \`lambda agent keys grant ${key.id} ${refused.join(' ')}\` (or PUT /_lambda/keys/${key.id}/secrets with an admin key); or deploy with an admin key.`,
    data: { function: fn, key: key.id, secrets: refused },
  })
}

/** The problem with `value` as a key's list of granted secrets, for CLI flags and API bodies alike. */
export function secretGrantsProblem(value: unknown): { problem: string, hint: string } | undefined {
  const hint = `Grant secrets by name, e.g. ["db-pass","stripe-token"], or "${ANY_SECRET}" for every secret (present and future).`
  if (!Array.isArray(value)) return { problem: 'must be a list of secret names', hint }
  if (value.length > MAX_SECRET_GRANTS) return { problem: `has ${value.length} names; at most ${MAX_SECRET_GRANTS} are allowed`, hint: `Grant "${ANY_SECRET}" instead of listing every secret.` }
  for (const name of value) {
    if (name === ANY_SECRET) continue
    const problem = secretNameProblem(name)
    if (problem) return { problem: `holds ${describeName(name)}: ${problem}`, hint }
  }
  return undefined
}

/** A grant list as stored: each name once, sorted, `*` alone when it is there. */
export function normalizeGrants(names: readonly string[]): string[] {
  return names.includes(ANY_SECRET) ? [ANY_SECRET] : [...new Set(names)].sort()
}
