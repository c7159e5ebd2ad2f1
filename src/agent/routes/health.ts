import type { H3 } from 'h3'
import type { AgentContext } from '../context'
import { version } from '../../../package.json'
import { ADMIN_PREFIX } from '../options'

/** Unauthenticated: tells a client it reached a Mini Lambda agent and how it routes. */
export function registerHealthRoute(app: H3, ctx: AgentContext) {
  app.get(`${ADMIN_PREFIX}/health`, () => ({
    ok: true,
    agent: 'mini-lambda',
    version,
    provider: ctx.provider.name,
    isolated: ctx.provider.isolated,
    domain: ctx.options.domain,
  }))
}
