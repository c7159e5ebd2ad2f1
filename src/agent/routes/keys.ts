import type { H3 } from 'h3'
import type { CreatedKey, KeyListing, KeysResponse, RevokedKey } from '../../api/admin-api'
import type { ApiKeyRecord } from '../../store/records'
import type { KeyScope } from '../auth/key-scopes'
import type { AgentContext } from '../context'
import type { BodyField } from './body-fields'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { createApiKey, revokeApiKey, setSecretGrants } from '../auth/api-keys'
import { keyNameProblem } from '../auth/key-names'
import { checkKeyRateLimit, setKeyRateLimit } from '../auth/key-rate-limit'
import { DEFAULT_KEY_SCOPE, keyScopeProblem, scopeOf } from '../auth/key-scopes'
import { grantsOf, secretGrantsProblem } from '../auth/secret-grants'
import { badField, checkedString, optional } from './body-fields'
import { defineAdminHandler } from './define-admin'
import { readJsonBody } from './read-json-body'
import { keyIdParam } from './route-params'

/** Not a function name (those are DNS labels): key changes queue behind each other, not behind a deploy. */
const KEYS_LOCK = ' keys'

const CREATE_EXAMPLE = '{"name":"ci","scope":"deploy","secrets":["db-pass"]}'
const GRANTS_EXAMPLE = '{"secrets":["db-pass","stripe-token"]}'

const grantsField = (example: string): BodyField<string[]> => (value, name) => {
  const problem = secretGrantsProblem(value)
  if (problem) throw badField(name, value, problem.problem, `${problem.hint} Send e.g. ${example}.`)
  return value as string[]
}

const createKeyBody = {
  name: optional(checkedString(keyNameProblem, `Send e.g. ${CREATE_EXAMPLE}.`)),
  scope: optional(checkedString(value => keyScopeProblem(value), `Send e.g. ${CREATE_EXAMPLE}.`)),
  secrets: optional(grantsField(CREATE_EXAMPLE)),
  rateLimit: optional((value: unknown) => checkKeyRateLimit(value)),
}

const rateLimitBody = { rateLimit: (value: unknown) => checkKeyRateLimit(value) }

const grantsBody = { secrets: grantsField(GRANTS_EXAMPLE) }

export function listingOf(record: ApiKeyRecord): KeyListing {
  return { id: record.id, name: record.name, scope: scopeOf(record) ?? record.scope ?? 'admin', secrets: grantsOf(record), rateLimit: record.rateLimit ?? false, createdAt: record.createdAt }
}

/** Managing keys is for admin keys only: a deploy key must not mint or revoke keys, nor widen its own grants. */
export function registerKeyRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/keys`
  app.get(base, defineAdminHandler(ctx, 'admin', async (): Promise<KeysResponse> => ({ keys: (await ctx.keys.list()).map(listingOf) })))
  app.post(base, defineAdminHandler(ctx, 'admin', async (event): Promise<CreatedKey> => {
    const body = await readJsonBody(event, createKeyBody, { example: CREATE_EXAMPLE })
    const scope = (body.scope ?? DEFAULT_KEY_SCOPE) as KeyScope
    const { key, record } = await ctx.locks.run(KEYS_LOCK, async () => {
      const created = await createApiKey(ctx.keys, body.name ?? scope, scope, body.secrets ?? [])
      return body.rateLimit ? { ...created, record: await setKeyRateLimit(ctx.keys, created.record.id, body.rateLimit) } : created
    })
    return { ...listingOf(record), scope, key }
  }, { action: 'key.create', detail: created => ({ id: created.id, name: created.name, scope: created.scope, secrets: created.secrets }) }))
  app.put(`${base}/:id/secrets`, defineAdminHandler(ctx, 'admin', async (event): Promise<KeyListing> => {
    const id = keyIdParam(event)
    const { secrets } = await readJsonBody(event, grantsBody, { example: GRANTS_EXAMPLE })
    return listingOf(await ctx.locks.run(KEYS_LOCK, () => setSecretGrants(ctx.keys, id, secrets)))
  }, { action: 'key.grant', detail: listing => ({ secrets: listing.secrets }) }))
  app.put(`${base}/:id/rate-limit`, defineAdminHandler(ctx, 'admin', async (event): Promise<KeyListing> => {
    const id = keyIdParam(event)
    const { rateLimit } = await readJsonBody(event, rateLimitBody, { example: '{"rateLimit":{"perSecond":5,"burst":10}}' })
    return listingOf(await ctx.locks.run(KEYS_LOCK, () => setKeyRateLimit(ctx.keys, id, rateLimit)))
  }, { action: 'key.rate-limit', detail: listing => ({ rateLimit: listing.rateLimit }) }))
  app.delete(`${base}/:id`, defineAdminHandler(ctx, 'admin', async (event): Promise<RevokedKey> => {
    const id = keyIdParam(event)
    const record = await ctx.locks.run(KEYS_LOCK, () => revokeApiKey(ctx.keys, id))
    return { id, name: record.name, scope: listingOf(record).scope, revoked: true }
  }, { action: 'key.revoke' }))
}
