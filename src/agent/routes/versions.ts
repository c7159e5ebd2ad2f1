import type { H3 } from 'h3'
import { getRouterParam, readBody } from 'h3'
import { LambdaError } from '../../errors'
import type { AgentContext } from '../context'
import { ADMIN_PREFIX, functionURL } from '../options'
import { recordRelease, rollbackRelease } from '../versions/releases'
import { rollbackFunction } from '../versions/rollback-function'
import { defineAdminHandler } from './define-admin'
import { functionNotFound } from './not-found'

function optionalPositiveInt(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined
  const n = typeof value === 'string' ? Number(value.replace(/^v/i, '')) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new LambdaError({ code: 'BAD_REQUEST', status: 400, message: `${what} must be a positive whole number, not ${JSON.stringify(value)}.`, hint: `e.g. \`lambda rollback hello 3\`.` })
  }
  return n
}

export function registerVersionRoutes(app: H3, ctx: AgentContext) {
  app.get(`${ADMIN_PREFIX}/functions/:name/versions`, defineAdminHandler(ctx, async (event) => {
    const name = getRouterParam(event, 'name')!
    const record = await ctx.functions.get(name)
    if (!record) throw functionNotFound(name, ctx.serving.names())
    const versions = await ctx.functions.listVersions(name)
    return {
      name,
      current: record.currentVersion,
      lastVersion: record.lastVersion,
      keepVersions: record.keepVersions,
      versions: versions.map(v => ({ number: v.number, hash: v.hash, kind: v.kind, createdAt: v.createdAt, image: v.image.ref, current: v.number === record.currentVersion, url: functionURL(ctx.options, name, v.number) })),
      history: record.history ?? [],
    }
  }))

  app.post(`${ADMIN_PREFIX}/functions/:name/rollback`, defineAdminHandler(ctx, async (event) => {
    const body = await readBody<{ version?: number | string }>(event).catch(() => undefined)
    return rollbackFunction(ctx, getRouterParam(event, 'name')!, optionalPositiveInt(body?.version, 'version'))
  }))

  app.get(`${ADMIN_PREFIX}/releases`, defineAdminHandler(ctx, async () => ({ releases: await ctx.functions.listReleases() })))

  app.post(`${ADMIN_PREFIX}/releases`, defineAdminHandler(ctx, async (event) => {
    const body = await readBody<{ functions?: unknown; partial?: unknown }>(event).catch(() => undefined)
    if (!Array.isArray(body?.functions) || body.functions.some(n => typeof n !== 'string')) {
      throw new LambdaError({ code: 'BAD_REQUEST', status: 400, message: 'A release needs { functions: [names] }.', hint: 'Whole-project `lambda deploy` records releases for you.' })
    }
    return recordRelease(ctx, body.functions as string[], body.partial === true)
  }))

  app.post(`${ADMIN_PREFIX}/releases/rollback`, defineAdminHandler(ctx, async (event) => {
    const body = await readBody<{ id?: number | string }>(event).catch(() => undefined)
    return rollbackRelease(ctx, optionalPositiveInt(typeof body?.id === 'string' ? body.id.replace(/^#/, '') : body?.id, 'release id'))
  }))
}
