import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { LambdaError } from '../../errors'
import type { KeyStore } from '../../store/key-store'
import type { ApiKeyRecord } from '../../store/records'

// `mlk_<id>_<secret>`: the id finds the record without comparing against every key,
// the secret is checked against its stored hash.
const KEY_RE = /^mlk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest()

export interface CreatedKey {
  key: string
  record: ApiKeyRecord
}

export async function createApiKey(keys: KeyStore, name: string): Promise<CreatedKey> {
  const id = randomBytes(5).toString('hex').slice(0, 8)
  const secret = randomBytes(32).toString('base64url')
  const record: ApiKeyRecord = { id, name, hash: hashSecret(secret).toString('hex'), createdAt: new Date().toISOString() }
  await keys.put(record)
  return { key: `mlk_${id}_${secret}`, record }
}

/** The record of a valid key, or undefined. The comparison takes the same time whatever the secret. */
export async function verifyApiKey(keys: KeyStore, presented: string | undefined): Promise<ApiKeyRecord | undefined> {
  const match = presented ? KEY_RE.exec(presented) : null
  if (!match) return undefined
  const record = await keys.get(match[1]!)
  if (!record) return undefined
  const expected = Buffer.from(record.hash, 'hex')
  const actual = hashSecret(match[2]!)
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? record : undefined
}

export async function revokeApiKey(keys: KeyStore, id: string): Promise<ApiKeyRecord> {
  const record = await keys.get(id)
  if (!record) {
    const known = (await keys.list()).map(k => k.id)
    throw new LambdaError({ code: 'KEY_NOT_FOUND', status: 404, message: `No API key with id "${id}". Known ids: ${known.join(', ') || '(none)'}.`, hint: 'List them with `lambda agent keys list`.' })
  }
  await keys.remove(id)
  return record
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
