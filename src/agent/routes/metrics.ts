import type { H3, H3Event } from 'h3'
import type { MetricsResponse } from '../../api/admin-api'
import type { AgentContext } from '../context'
import { getQuery } from 'h3'
import { FastResponse } from 'srvx'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { LambdaError } from '../../errors'
import { defineAdminHandler } from './define-admin'
import { functionNotFound } from './not-found'
import { functionNameParam } from './route-params'

/** `?since=` as given (default 1h); the window is checked against the agent's clock by `summarize`. */
function sinceParam(event: H3Event): string {
  const since = getQuery(event).since
  if (since === undefined || since === '') return '1h'
  if (typeof since !== 'string') throw new LambdaError({ code: 'INVALID_SINCE', status: 400, message: 'since= is given more than once.', hint: 'Give one window start, e.g. ?since=1h.', data: { field: 'since' } })
  return since
}

/**
 * Metrics need a deploy key, as the function list does: they name every function. An invoke key gets
 * 403, no key 401. The Prometheus text is also served without a key on 127.0.0.1 with --metrics-port.
 */
export function registerMetricsRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/metrics`

  app.get(base, defineAdminHandler(ctx, 'deploy', async () => {
    const prometheus = await ctx.metrics.prometheus()
    // srvx's FastResponse, as every other answer: a global Response would bring in undici's web streams.
    return new FastResponse(await prometheus.text(), { headers: { 'content-type': prometheus.contentType } })
  }))

  app.get(`${base}/functions`, defineAdminHandler(ctx, 'deploy', (event): MetricsResponse => {
    return ctx.metrics.summarize(undefined, sinceParam(event))
  }))

  app.get(`${base}/functions/:name`, defineAdminHandler(ctx, 'deploy', (event): MetricsResponse => {
    const name = functionNameParam(event)
    if (!ctx.serving.get(name)) throw functionNotFound(name, ctx.serving.names())
    return ctx.metrics.summarize(name, sinceParam(event))
  }))
}
