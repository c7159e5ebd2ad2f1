import type { H3 } from 'h3'
import type { AgentContext } from './context'
import { ADMIN_PREFIX } from '../api/admin-api'
import { LambdaError } from '../errors'
import { createLambdaApp } from '../http/error-response'
import { createGatewayMiddleware } from './gateway'
import { functionURL } from './options'
import { registerFunctionRoutes } from './routes/functions'
import { registerHealthRoute } from './routes/health'
import { registerInvocationRoutes } from './routes/invocations'
import { registerKeyRoutes } from './routes/keys'
import { registerLogRoutes } from './routes/logs'
import { registerMetricsRoutes } from './routes/metrics'
import { redirectByPath } from './routes/path-redirect'
import { registerScheduleRoutes } from './routes/schedules'
import { registerSecretRoutes } from './routes/secrets'
import { registerTlsAskRoute } from './routes/tls-ask'
import { registerVersionRoutes } from './routes/versions'

/** The agent's one h3 app: the gateway for function hosts, the admin API on the bare domain. */
export function createAgentApp(ctx: AgentContext): H3 {
  const app = createLambdaApp({ silent: true })
  app.use(createGatewayMiddleware(ctx))
  registerHealthRoute(app, ctx)
  registerFunctionRoutes(app, ctx)
  registerKeyRoutes(app, ctx)
  registerVersionRoutes(app, ctx)
  registerSecretRoutes(app, ctx)
  registerScheduleRoutes(app, ctx)
  registerInvocationRoutes(app, ctx)
  registerLogRoutes(app, ctx)
  registerMetricsRoutes(app, ctx)
  registerTlsAskRoute(app, ctx)
  app.all('/**', (event) => {
    const path = event.url.pathname
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      throw new LambdaError({
        code: 'NOT_FOUND',
        status: 404,
        message: `The admin API has no route ${event.req.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}.`,
        hint: 'The routes are listed in docs/agent.md (Admin API); e.g. GET /_lambda/functions, POST /_lambda/functions/<name>/rollback.',
      })
    }
    const redirect = redirectByPath(ctx, event)
    if (redirect) return redirect
    throw new LambdaError({
      code: 'NOT_FOUND',
      status: 404,
      message: `Nothing at ${event.url.pathname} on the bare domain: functions are served at <name>.${ctx.options.domain}, the admin API under /_lambda.`,
      hint: `Call ${functionURL(ctx.options, '<name>')} (see \`lambda list\`).`,
    })
  })
  return app
}
