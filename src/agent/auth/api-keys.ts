import type { KeyStore } from '../../store/key-store'
import type { ApiKeyRecord } from '../../store/records'
import type { KeyScope } from './key-scopes'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { API_KEY_RE } from '../../api/admin-api'
import { LambdaError } from '../../errors'
import { describeName } from './describe-name'
import { keyNameProblem } from './key-names'
import { keyScopeProblem, scopeOf } from './key-scopes'
import { normalizeGrants, secretGrantsProblem } from './secret-grants'

/** A key's id, the `<id>` of `mlk_<id>_<secret>` (see API_KEY_RE). */
export const KEY_ID_RE = /^[a-z0-9]{8}$/

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest()

export interface CreatedKey {
  key: string
  record: ApiKeyRecord
}

/**
 * Creates a key and stores only its hash. `scope` defaults to admin for the agent's very first key;
 * everything acting for a user (CLI, admin API) passes the scope it was asked for. `secrets`: what a
 * deploy key may give to the functions it deploys (none unless granted).
 */
export async function createApiKey(keys: KeyStore, name: string, scope: KeyScope = 'admin', secrets: string[] = []): Promise<CreatedKey> {
  const nameProblem = keyNameProblem(name)
  if (nameProblem) throw new LambdaError({ code: 'INVALID_KEY_NAME', status: 400, message: `Key name ${describeName(name)} ${nameProblem.problem}.`, hint: nameProblem.hint })
  const scopeProblem = keyScopeProblem(scope)
  if (scopeProblem) throw new LambdaError({ code: 'INVALID_KEY_SCOPE', status: 400, message: `Key scope ${describeName(scope)} ${scopeProblem.problem}.`, hint: scopeProblem.hint })
  assertSecretGrants(secrets)
  const id = randomBytes(5).toString('hex').slice(0, 8)
  const secret = randomBytes(32).toString('base64url')
  const record: ApiKeyRecord = { id, name, scope, hash: hashSecret(secret).toString('hex'), secrets: normalizeGrants(secrets), createdAt: new Date().toISOString() }
  await keys.put(record)
  return { key: `mlk_${id}_${secret}`, record }
}

/** Replaces what a key may give to the functions it deploys; returns the updated record. */
export async function setSecretGrants(keys: KeyStore, id: string, secrets: string[]): Promise<ApiKeyRecord> {
  assertSecretGrants(secrets)
  const record = await findKey(keys, id)
  const updated = { ...record, secrets: normalizeGrants(secrets) }
  await keys.put(updated)
  return updated
}

function assertSecretGrants(secrets: unknown): asserts secrets is string[] {
  const problem = secretGrantsProblem(secrets)
  if (problem) throw new LambdaError({ code: 'INVALID_SECRET_GRANTS', status: 400, message: `The secrets granted to a key ${problem.problem}.`, hint: problem.hint })
}

/**
 * The record of a valid key, or undefined. It costs the same whether the id exists or not (a key
 * unknown is checked against a decoy record), and the comparison the same whatever the secret.
 */
export async function verifyApiKey(keys: KeyStore, presented: string | undefined): Promise<ApiKeyRecord | undefined> {
  const match = presented ? API_KEY_RE.exec(presented) : null
  if (!match) return undefined
  // Both reads, side by side, every time: a missing id must not answer sooner (or later) than a known one.
  const [found, decoy] = await Promise.all([keys.get(match[1]!), keys.decoy()])
  const record = found ?? decoy
  // A damaged record opens nothing (and must not throw: that would answer 500).
  const expected = record && isUsable(record) ? Buffer.from(record.hash, 'hex') : DECOY_HASH
  const matches = timingSafeEqual(expected, hashSecret(match[2]!))
  return matches && found && isUsable(found) ? found : undefined
}

/** Compared against when there is no usable record at all, so that path costs a comparison too. */
const DECOY_HASH = randomBytes(32)

export async function findKey(keys: KeyStore, id: string, all?: ApiKeyRecord[]): Promise<ApiKeyRecord> {
  const known = all ?? await keys.list()
  const record = KEY_ID_RE.test(id) ? known.find(k => k.id === id) : undefined
  if (!record) {
    throw new LambdaError({ code: 'KEY_NOT_FOUND', status: 404, message: `No API key with id ${describeName(id)}. Known ids: ${known.map(k => k.id).join(', ') || '(none)'}.`, hint: 'List them with `lambda agent keys list`.' })
  }
  return record
}

/** Revokes a key, unless it is the last admin key: nobody could manage keys over the API afterwards. */
export async function revokeApiKey(keys: KeyStore, id: string): Promise<ApiKeyRecord> {
  const all = await keys.list()
  const record = await findKey(keys, id, all)
  if (scopeOf(record) === 'admin' && all.filter(k => scopeOf(k) === 'admin' && isUsable(k)).length <= 1) {
    throw new LambdaError({ code: 'LAST_KEY', status: 409, message: `Refusing to revoke ${record.id}, the last admin key: nobody could manage keys over the admin API afterwards.`, hint: 'Create another admin key first (`lambda agent keys create --scope admin`), then revoke this one.' })
  }
  await keys.remove(id)
  return record
}

/** A record a key can match: one with a well-formed hash (a damaged record must not count as a working admin key). */
function isUsable(record: ApiKeyRecord): boolean {
  return typeof record.hash === 'string' && /^[0-9a-f]{64}$/.test(record.hash)
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null
  return match?.[1]
}

export function unauthorized(present: boolean): LambdaError {
  return new LambdaError({
    code: present ? 'INVALID_API_KEY' : 'API_KEY_REQUIRED',
    status: 401,
    message: present ? 'The API key is not valid (unknown, revoked or mistyped).' : 'This needs an API key: send `Authorization: Bearer <key>`.',
    hint: 'Give the CLI a valid key with `lambda config set-key <key>` (or LAMBDA_API_KEY). The agent printed the first key when it first started; make more on the VM with `lambda agent keys create`.',
  })
}
