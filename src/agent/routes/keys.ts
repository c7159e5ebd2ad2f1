import type { H3 } from 'h3'
import type { CreatedKey, KeysResponse, RevokedKey } from '../../api/admin-api'
import type { KeyScope } from '../auth/key-scopes'
import type { AgentContext } from '../context'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { createApiKey, revokeApiKey } from '../auth/api-keys'
import { keyNameProblem } from '../auth/key-names'
import { DEFAULT_KEY_SCOPE, keyScopeProblem, scopeOf } from '../auth/key-scopes'
import { checkedString, optional } from './body-fields'
import { defineAdminHandler } from './define-admin'
import { readJsonBody } from './read-json-body'
import { keyIdParam } from './route-params'

/** Not a function name (those are DNS labels): key changes queue behind each other, not behind a deploy. */
const KEYS_LOCK = ' keys'

const createKeyBody = {
  name: optional(checkedString(keyNameProblem, 'Send e.g. {"name":"ci","scope":"deploy"}.')),
  scope: optional(checkedString(value => keyScopeProblem(value), 'Send e.g. {"name":"ci","scope":"deploy"}.')),
}

/** Managing keys is for admin keys only: a deploy key must not mint or revoke keys. */
export function registerKeyRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/keys`
  app.get(base, defineAdminHandler(ctx, 'admin', async (): Promise<KeysResponse> => ({
    keys: (await ctx.keys.list()).map(record => ({ id: record.id, name: record.name, scope: scopeOf(record) ?? record.scope ?? 'admin', createdAt: record.createdAt })),
  })))
  app.post(base, defineAdminHandler(ctx, 'admin', async (event): Promise<CreatedKey> => {
    const body = await readJsonBody(event, createKeyBody, { example: '{"name":"ci","scope":"deploy"}' })
    const scope = (body.scope ?? DEFAULT_KEY_SCOPE) as KeyScope
    const { key, record } = await ctx.locks.run(KEYS_LOCK, () => createApiKey(ctx.keys, body.name ?? scope, scope))
    return { id: record.id, name: record.name, scope, key }
  }))
  app.delete(`${base}/:id`, defineAdminHandler(ctx, 'admin', async (event): Promise<RevokedKey> => {
    const id = keyIdParam(event)
    const record = await ctx.locks.run(KEYS_LOCK, () => revokeApiKey(ctx.keys, id))
    return { id, name: record.name, scope: scopeOf(record) ?? record.scope ?? 'admin', revoked: true }
  }))
}
