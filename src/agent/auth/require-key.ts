import type { IncomingMessage } from 'node:http'
import type { KeyStore } from '../../store/key-store'
import type { ApiKeyRecord } from '../../store/records'
import type { KeyScope } from './key-scopes'
import { LambdaError } from '../../errors'
import { bearerToken, unauthorized, verifyApiKey } from './api-keys'
import { describeName } from './describe-name'
import { KEY_SCOPES, scopeAllows, scopeOf } from './key-scopes'

/** Throws 401 unless the request carries a valid API key, and 403 unless that key's scope covers `scope`. */
export async function requireApiKey(keys: KeyStore, req: IncomingMessage, scope: KeyScope): Promise<ApiKeyRecord> {
  const token = bearerToken(req.headers.authorization)
  const record = await verifyApiKey(keys, token)
  if (!record) throw unauthorized(req.headers.authorization !== undefined)
  const has = scopeOf(record)
  if (!scopeAllows(has, scope)) throw scopeTooLow(record, has, scope)
  return record
}

/** `"admin"`, `"deploy" or "admin"`: the scopes that are enough (admin is the highest: nothing is above it). */
function enoughScopes(needs: KeyScope): string {
  const enough = KEY_SCOPES.filter(scope => scopeAllows(scope, needs)).reverse().map(scope => `"${scope}"`)
  return enough.length > 1 ? `${enough.slice(0, -1).join(', ')} or ${enough.at(-1)}` : enough[0]!
}

function scopeTooLow(record: ApiKeyRecord, has: KeyScope | undefined, needs: KeyScope): LambdaError {
  const which = `The API key ${record.id} (${describeName(record.name)})`
  return new LambdaError({
    code: 'KEY_SCOPE',
    status: 403,
    message: has
      ? `${which} has the "${has}" scope; this needs ${enoughScopes(needs)}.`
      : `${which} has the unknown scope ${describeName(record.scope)}; this needs ${enoughScopes(needs)}.`,
    hint: `Scopes include the ones below them (admin ⊃ deploy ⊃ invoke). Use a key with the "${needs}" scope, or create one on the agent's machine: \`lambda agent keys create --scope ${needs}\`.`,
    data: { scope: has ?? null, needed: needs },
  })
}
