import type { H3 } from 'h3'
import type { HealthResponse } from '../../api/admin-api'
import type { AgentContext } from '../context'
import { version } from '../../../package.json'
import { ADMIN_PREFIX } from '../../api/admin-api'

/** Unauthenticated: tells a client it reached a Mini Lambda agent and how it routes. */
export function registerHealthRoute(app: H3, ctx: AgentContext) {
  app.get(`${ADMIN_PREFIX}/health`, (): HealthResponse => ({
    ok: true,
    agent: 'mini-lambda',
    version,
    provider: ctx.provider.name,
    isolated: ctx.provider.isolated,
    domain: ctx.options.domain,
  }))
}
