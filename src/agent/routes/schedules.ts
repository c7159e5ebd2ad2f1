import type { H3, H3Event } from 'h3'
import type { ScheduleHistoryResponse, ScheduleListing, SchedulesResponse } from '../../api/admin-api'
import type { ScheduleRunRecord } from '../../store/records'
import type { AgentContext } from '../context'
import type { BodyField } from './body-fields'
import { getQuery, getRouterParam } from 'h3'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { SCHEDULE_OVERLAPS } from '../../config/schema/schedule'
import { LambdaError } from '../../errors'
import { SCHEDULE_RUNS_KEPT } from '../../store/schedule-store'
import { describeName } from '../auth/describe-name'
import { SCHEDULE_ID_RE } from '../schedules/schedule-ids'
import { checkScheduleInput } from '../schedules/schedule-input'
import { badField, boolean, checkedString, optional } from './body-fields'
import { defineAdminHandler } from './define-admin'
import { readJsonBody } from './read-json-body'
import { functionNameProblem } from './route-params'

const EXAMPLE = '{"function":"report","cron":"0 6 * * *","timezone":"Europe/Berlin","payload":{"kind":"daily"},"overlap":"skip","catchUp":false}'
const HINT = `Send e.g. ${EXAMPLE}; only "function" and "cron" are required.`

const text: BodyField<string> = (value, name) => {
  if (typeof value !== 'string') throw badField(name, value, 'must be a string', HINT)
  return value
}
const required = <T>(field: BodyField<T>): BodyField<T> => (value, name) => {
  if (value === undefined) throw badField(name, value, 'is required', HINT)
  return field(value, name)
}
const overlap: BodyField<typeof SCHEDULE_OVERLAPS[number]> = (value, name) => {
  if (!SCHEDULE_OVERLAPS.includes(value as never)) throw badField(name, value, `must be one of ${SCHEDULE_OVERLAPS.map(o => `"${o}"`).join(', ')}`, HINT)
  return value as typeof SCHEDULE_OVERLAPS[number]
}

const addBody = {
  function: required(checkedString(functionNameProblem, HINT)),
  cron: required(text),
  timezone: optional(text),
  // Any JSON, null included: only its absence means "no payload".
  payload: (value: unknown) => value,
  overlap: optional(overlap),
  catchUp: optional(boolean),
}

/** The `:id` of `/_lambda/schedules/:id`, checked before anything looks it up. */
function scheduleIdParam(event: H3Event): string {
  const id = getRouterParam(event, 'id') ?? ''
  if (!SCHEDULE_ID_RE.test(id)) {
    throw new LambdaError({ code: 'INVALID_SCHEDULE_ID', status: 400, message: `${describeName(id)} is not a schedule id: ids look like cfg-3fa9c2d1e0b4 or cli-k7x2m9qa4b1c.`, hint: 'Use an id that `lambda schedules` (GET /_lambda/schedules) lists.' })
  }
  return id
}

function limitQuery(event: H3Event): number | undefined {
  const raw = getQuery(event).limit
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > SCHEDULE_RUNS_KEPT) throw new LambdaError({ code: 'BAD_REQUEST', status: 400, message: `?limit=${String(raw).slice(0, 20)} is not a whole number from 1 to ${SCHEDULE_RUNS_KEPT}.`, hint: `Ask for at most the ${SCHEDULE_RUNS_KEPT} runs kept, e.g. ?limit=20.` })
  return n
}

function functionQuery(event: H3Event): string | undefined {
  const raw = getQuery(event).function
  if (raw === undefined) return undefined
  return checkedString(functionNameProblem, 'Filter with ?function=<name>, e.g. ?function=report.')(raw, 'function')
}

/** Schedules: listing, adding (source `cli`), pausing, resuming, removing, running now, history. */
export function registerScheduleRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/schedules`

  app.get(base, defineAdminHandler(ctx, 'deploy', async (event): Promise<SchedulesResponse> => ({ schedules: await ctx.schedules.list(functionQuery(event)) })))

  app.post(base, defineAdminHandler(ctx, 'deploy', async (event): Promise<ScheduleListing> => {
    const body = await readJsonBody(event, addBody, { example: EXAMPLE })
    const input = { cron: body.cron, timezone: body.timezone ?? 'UTC', payload: body.payload }
    checkScheduleInput(input)
    const added = await ctx.schedules.add({ function: body.function, ...input, overlap: body.overlap ?? 'skip', catchUp: body.catchUp ?? false })
    event.res.status = 201
    return added
  }, { action: 'schedule.add', detail: added => ({ id: added.id, function: added.function, cron: added.cron }) }))

  app.get(`${base}/:id`, defineAdminHandler(ctx, 'deploy', (event): Promise<ScheduleListing> => ctx.schedules.get(scheduleIdParam(event))))
  app.delete(`${base}/:id`, defineAdminHandler(ctx, 'deploy', event => ctx.schedules.remove(scheduleIdParam(event)), { action: 'schedule.remove' }))
  app.post(`${base}/:id/pause`, defineAdminHandler(ctx, 'deploy', (event): Promise<ScheduleListing> => ctx.schedules.pause(scheduleIdParam(event)), { action: 'schedule.pause' }))
  app.post(`${base}/:id/resume`, defineAdminHandler(ctx, 'deploy', (event): Promise<ScheduleListing> => ctx.schedules.resume(scheduleIdParam(event)), { action: 'schedule.resume' }))
  app.post(`${base}/:id/run`, defineAdminHandler(ctx, 'deploy', (event): Promise<ScheduleRunRecord> => ctx.schedules.runNow(scheduleIdParam(event)), { action: 'schedule.run', detail: run => ({ run: run.id, outcome: run.outcome }) }))
  app.get(`${base}/:id/history`, defineAdminHandler(ctx, 'deploy', (event): Promise<ScheduleHistoryResponse> => ctx.schedules.history(scheduleIdParam(event), limitQuery(event))))
}
