import type { H3 } from 'h3'
import type { ServerResponse } from 'node:http'
import type { AgentContext } from '../context'
import { getQuery } from 'h3'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { LambdaError } from '../../errors'
import { parseLogQuery } from '../logs/log-query'
import { streamLogs } from '../logs/log-stream'
import { defineAdminHandler } from './define-admin'
import { functionNotFound } from './not-found'
import { functionNameParam } from './route-params'

export function registerLogRoutes(app: H3, ctx: AgentContext) {
  // Newline-delimited JSON: stored entries, then (with follow) live ones until the client leaves.
  app.get(`${ADMIN_PREFIX}/functions/:name/logs`, defineAdminHandler(ctx, 'deploy', async (event) => {
    const name = functionNameParam(event)
    const request = parseLogQuery(getQuery(event))
    if (!ctx.logs) throw new LambdaError({ code: 'LOGS_DISABLED', status: 409, message: 'This agent keeps no logs: it was started with --no-logs.', hint: 'Restart it without --no-logs to collect function output (see docs/logs.md).' })
    // A deleted function's logs stay readable until they age out; a name that never logged is a typo.
    if (!ctx.serving.get(name) && !ctx.logs.has(name) && !(await ctx.functions.get(name))) throw functionNotFound(name, ctx.serving.names())
    await streamLogs(ctx.logs, name, request, event.runtime!.node!.res as ServerResponse)
    return null
  }))
}
