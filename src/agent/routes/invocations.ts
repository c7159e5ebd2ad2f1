import type { H3, H3Event } from 'h3'
import type { AcceptedInvocation, InvocationDetail, InvocationsResponse, InvocationStatus } from '../../api/admin-api'
import type { AgentContext } from '../context'
import { getQuery, getRouterParam } from 'h3'
import { ADMIN_PREFIX, INVOCATION_ID_RE, INVOCATION_STATUSES } from '../../api/admin-api'
import { LambdaError } from '../../errors'
import { jsonResponse } from '../../http/error-response'
import { queueFullResponse } from '../async/accept-event'
import { invocationNotFound } from '../async/async-invocations'
import { toDetail } from '../async/invocation-views'
import { describeName } from '../auth/describe-name'
import { scopeOf } from '../auth/key-scopes'
import { defineAdminHandler } from './define-admin'
import { functionNotFound } from './not-found'
import { readJsonBody } from './read-json-body'
import { functionNameProblem } from './route-params'

const badQuery = (message: string, hint: string, field: string) => new LambdaError({ code: 'BAD_REQUEST', status: 400, message, hint, data: { field } })

function listFilter(event: H3Event) {
  const query = getQuery(event)
  const known = new Set(['function', 'status', 'limit'])
  for (const key of Object.keys(query)) {
    if (!known.has(key)) throw badQuery(`Unknown query parameter "${key.slice(0, 64)}".`, 'This route takes ?function=<name>&status=<status>&limit=<1-1000>.', key.slice(0, 64))
  }
  const fn = query.function === undefined ? undefined : String(query.function)
  const problem = fn === undefined ? undefined : functionNameProblem(fn)
  if (problem) throw new LambdaError({ code: 'INVALID_NAME', status: 400, message: `${describeName(fn!)} ${problem.problem}.`, hint: problem.hint })
  const status = query.status === undefined ? undefined : String(query.status)
  if (status !== undefined && !(INVOCATION_STATUSES as readonly string[]).includes(status)) {
    throw badQuery(`status=${describeName(status)} is not an invocation status.`, `Use one of ${INVOCATION_STATUSES.join(', ')}.`, 'status')
  }
  const limit = query.limit === undefined ? 100 : Number(query.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badQuery(`limit=${describeName(String(query.limit))} must be a whole number from 1 to 1000.`, 'Send e.g. ?limit=100 (the default).', 'limit')
  return { function: fn, status: status as InvocationStatus | undefined, limit }
}

function invocationIdParam(event: H3Event): string {
  const id = getRouterParam(event, 'id') ?? ''
  if (!INVOCATION_ID_RE.test(id)) {
    throw new LambdaError({ code: 'INVALID_INVOCATION_ID', status: 400, message: `${describeName(id)} is not an invocation id: ids look like 3f2b8c1e-9d4a-4f6b-8e2c-1a5d7b9c0e3f.`, hint: 'Use the id a 202 answered (also in its x-lambda-invocation-id header), or one `lambda invocations` lists.' })
  }
  return id.toLowerCase()
}

/** The kept invocations: what ran, what failed (the dead-letter list), and replaying a finished one. */
export function registerInvocationRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/invocations`
  app.get(base, defineAdminHandler(ctx, 'deploy', (event): InvocationsResponse => ctx.asyncInvocations.list(listFilter(event))))

  app.get(`${base}/:id`, defineAdminHandler(ctx, 'deploy', async (event): Promise<InvocationDetail> => {
    const id = invocationIdParam(event)
    const record = await ctx.asyncInvocations.get(id)
    if (!record) throw invocationNotFound(id)
    return toDetail(record)
  }))

  app.post(`${base}/:id/replay`, defineAdminHandler(ctx, 'deploy', async (event, key): Promise<Response> => {
    const id = invocationIdParam(event)
    await readJsonBody(event, {}, { example: '{}' })
    let accepted: AcceptedInvocation
    try {
      accepted = await ctx.asyncInvocations.replay(id, fn => functionNotFound(fn, ctx.serving.names()), { withCredentials: scopeOf(key) === 'admin' })
    }
    catch (error) {
      return queueFullResponse(error)
    }
    return jsonResponse(accepted, 202, { 'x-lambda-invocation-id': accepted.id })
  }, { action: 'invocation.replay' }))
}
