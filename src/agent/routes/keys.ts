import type { H3 } from 'h3'
import { getRouterParam, readBody } from 'h3'
import { LambdaError } from '../../errors'
import { createApiKey, revokeApiKey } from '../auth/api-keys'
import type { AgentContext } from '../context'
import { ADMIN_PREFIX } from '../options'
import { defineAdminHandler } from './define-admin'

export function registerKeyRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/keys`
  app.get(base, defineAdminHandler(ctx, async () => ({
    keys: (await ctx.keys.list()).map(({ id, name, createdAt }) => ({ id, name, createdAt })),
  })))
  app.post(base, defineAdminHandler(ctx, async (event) => {
    const body = await readBody<{ name?: string }>(event).catch(() => undefined)
    const { key, record } = await createApiKey(ctx.keys, body?.name || 'api')
    return { id: record.id, name: record.name, key }
  }))
  app.delete(`${base}/:id`, defineAdminHandler(ctx, async (event) => {
    if ((await ctx.keys.list()).length <= 1) {
      throw new LambdaError({ code: 'LAST_KEY', status: 409, message: 'Refusing to revoke the last API key: nobody could use the admin API afterwards.', hint: 'Create another key first (`lambda agent keys create`), then revoke this one.' })
    }
    const { id, name } = await revokeApiKey(ctx.keys, getRouterParam(event, 'id')!)
    return { id, name, revoked: true }
  }))
}
