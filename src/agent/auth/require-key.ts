import type { IncomingMessage } from 'node:http'
import type { KeyStore } from '../../store/key-store'
import type { ApiKeyRecord } from '../../store/records'
import { bearerToken, unauthorized, verifyApiKey } from './api-keys'

/** Throws 401 unless the request carries a valid API key. */
export async function requireApiKey(keys: KeyStore, req: IncomingMessage): Promise<ApiKeyRecord> {
  const token = bearerToken(req.headers.authorization)
  const record = await verifyApiKey(keys, token)
  if (!record) throw unauthorized(req.headers.authorization !== undefined)
  return record
}
