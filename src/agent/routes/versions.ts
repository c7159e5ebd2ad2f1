import type { H3 } from 'h3'
import type { ReleasesResponse, VersionsResponse } from '../../api/admin-api'
import type { AgentContext } from '../context'
import type { BodyField } from './body-fields'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { functionURL } from '../options'
import { describeReleases } from '../versions/release-status'
import { recordRelease, rollbackRelease } from '../versions/releases'
import { rollbackFunction } from '../versions/rollback-function'
import { badField, boolean, checkedString, list, optional, positiveInt } from './body-fields'
import { defineAdminHandler } from './define-admin'
import { functionNotFound } from './not-found'
import { readJsonBody } from './read-json-body'
import { functionNameParam, functionNameProblem } from './route-params'

/** More than any project deploys at once; a bound on what one request makes the agent read. */
const MAX_RELEASE_FUNCTIONS = 1000
/** As deploy.keepVersions in lambda.config.ts. */
const MAX_KEEP_VERSIONS = 1000
const KEEP_VERSIONS_HINT = 'Send the project\'s deploy.keepVersions, a whole number from 1 to 1000, e.g. {"keepVersions":5}.'

const keepVersionsField: BodyField<number> = (value, name) => {
  const n = positiveInt({ hint: KEEP_VERSIONS_HINT })(value, name)
  if (n > MAX_KEEP_VERSIONS) throw badField(name, value, `must be at most ${MAX_KEEP_VERSIONS}`, KEEP_VERSIONS_HINT)
  return n
}

const rollbackBody = {
  version: optional(positiveInt({ prefix: /^v/i, hint: 'Send e.g. {"version":3}, or no body for the previous version (`lambda rollback hello 3`).' })),
}
const RELEASE_HINT = 'Send what the deploy made current, e.g. {"functions":{"hello":3,"cron-job":1}}; whole-project `lambda deploy` records releases for you.'

/** `{ name: version }`, what a deploy made current. (A list of names, as CLIs before 0.2 send, means "what is current now".) */
const releaseFunctions: BodyField<Record<string, number> | string[]> = (value, name) => {
  if (Array.isArray(value)) return list(checkedString(functionNameProblem, RELEASE_HINT), { max: MAX_RELEASE_FUNCTIONS, hint: RELEASE_HINT })(value, name)
  if (typeof value !== 'object' || value === null) throw badField(name, value, 'must be an object of function names to version numbers', RELEASE_HINT)
  const entries = Object.entries(value)
  if (entries.length > MAX_RELEASE_FUNCTIONS) throw badField(name, `${entries.length} functions`, `has more than ${MAX_RELEASE_FUNCTIONS} functions`, RELEASE_HINT)
  const functions: Record<string, number> = {}
  for (const [fn, version] of entries) {
    checkedString(functionNameProblem, RELEASE_HINT)(fn, `${name} key`)
    functions[fn] = positiveInt({ hint: RELEASE_HINT })(version, `${name}.${fn}`)
  }
  return functions
}

const releaseBody = {
  functions: releaseFunctions,
  partial: optional(boolean),
  keepVersions: optional(keepVersionsField),
}
const releaseRollbackBody = {
  id: optional(positiveInt({ prefix: /^#/, hint: 'Send e.g. {"id":3}, or no body for the previous release (`lambda rollback --release 3`).' })),
  /** Roll back the others when some functions of the release have been deleted since. */
  force: optional(boolean),
}

export function registerVersionRoutes(app: H3, ctx: AgentContext) {
  app.get(`${ADMIN_PREFIX}/functions/:name/versions`, defineAdminHandler(ctx, 'deploy', async (event): Promise<VersionsResponse> => {
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

  app.post(`${ADMIN_PREFIX}/functions/:name/rollback`, defineAdminHandler(ctx, 'deploy', async (event, key) => {
    const name = functionNameParam(event)
    const { version } = await readJsonBody(event, rollbackBody, { example: '{"version":3}' })
    return rollbackFunction(ctx, name, version, key)
  }, { action: 'function.rollback', detail: result => ({ from: result.from, to: result.to }) }))

  app.get(`${ADMIN_PREFIX}/releases`, defineAdminHandler(ctx, 'deploy', async (): Promise<ReleasesResponse> => ({ releases: await describeReleases(ctx, await ctx.functions.listReleases()) })))

  app.post(`${ADMIN_PREFIX}/releases`, defineAdminHandler(ctx, 'deploy', async (event) => {
    const { functions, partial, keepVersions } = await readJsonBody(event, releaseBody, { example: '{"functions":{"hello":3},"partial":false,"keepVersions":5}' })
    return recordRelease(ctx, functions, partial === true, keepVersions)
  }, { action: 'release.record', detail: release => ({ release: release.id, functions: release.functions }) }))

  app.post(`${ADMIN_PREFIX}/releases/rollback`, defineAdminHandler(ctx, 'deploy', async (event, key) => {
    const { id, force } = await readJsonBody(event, releaseRollbackBody, { example: '{"id":3,"force":false}' })
    return rollbackRelease(ctx, id, force === true, key)
  }, { action: 'release.rollback', detail: result => ({ release: result.release.id, rollbackOf: result.release.rollbackOf, functions: result.release.functions }) }))
}
