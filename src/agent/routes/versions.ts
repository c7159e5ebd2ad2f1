import type { H3 } from 'h3'
import type { AgentContext } from '../context'
import { ADMIN_PREFIX, functionURL } from '../options'
import { recordRelease, rollbackRelease } from '../versions/releases'
import { rollbackFunction } from '../versions/rollback-function'
import { boolean, checkedString, list, optional, positiveInt } from './body-fields'
import { defineAdminHandler } from './define-admin'
import { functionNotFound } from './not-found'
import { readJsonBody } from './read-json-body'
import { functionNameParam, functionNameProblem } from './route-params'

/** More than any project deploys at once; a bound on what one request makes the agent read. */
const MAX_RELEASE_FUNCTIONS = 1000

const rollbackBody = {
  version: optional(positiveInt({ prefix: /^v/i, hint: 'Send e.g. {"version":3}, or no body for the previous version (`lambda rollback hello 3`).' })),
}
const releaseBody = {
  functions: list(checkedString(functionNameProblem, 'Send function names, e.g. {"functions":["hello"]}.'), { max: MAX_RELEASE_FUNCTIONS, hint: 'Send e.g. {"functions":["hello","cron-job"]}; whole-project `lambda deploy` records releases for you.' }),
  partial: optional(boolean),
}
const releaseRollbackBody = {
  id: optional(positiveInt({ prefix: /^#/, hint: 'Send e.g. {"id":3}, or no body for the previous release (`lambda rollback --release 3`).' })),
}

export function registerVersionRoutes(app: H3, ctx: AgentContext) {
  app.get(`${ADMIN_PREFIX}/functions/:name/versions`, defineAdminHandler(ctx, 'deploy', async (event) => {
    const name = functionNameParam(event)
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

  app.post(`${ADMIN_PREFIX}/functions/:name/rollback`, defineAdminHandler(ctx, 'deploy', async (event) => {
    const name = functionNameParam(event)
    const { version } = await readJsonBody(event, rollbackBody, { example: '{"version":3}' })
    return rollbackFunction(ctx, name, version)
  }))

  app.get(`${ADMIN_PREFIX}/releases`, defineAdminHandler(ctx, 'deploy', async () => ({ releases: await ctx.functions.listReleases() })))

  app.post(`${ADMIN_PREFIX}/releases`, defineAdminHandler(ctx, 'deploy', async (event) => {
    const { functions, partial } = await readJsonBody(event, releaseBody, { example: '{"functions":["hello"],"partial":false}' })
    return recordRelease(ctx, functions, partial === true)
  }))

  app.post(`${ADMIN_PREFIX}/releases/rollback`, defineAdminHandler(ctx, 'deploy', async (event) => {
    const { id } = await readJsonBody(event, releaseRollbackBody, { example: '{"id":3}' })
    return rollbackRelease(ctx, id)
  }))
}
