import type { H3 } from 'h3'
import type { AgentContext } from '../context'
import { isIP } from 'node:net'
import { getQuery, getRequestIP } from 'h3'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { LambdaError } from '../../errors'
import { resolveRoute } from '../../router/route'

const isLoopback = (ip: string | undefined) => !!ip && (ip === '::1' || ip.replace(/^::ffff:/, '').startsWith('127.'))

/**
 * Caddy's on-demand TLS `ask`: may a certificate be obtained for this host name? Yes for the bare domain
 * and for the host of a function (or version) the agent serves, so nobody can make the proxy request
 * certificates for made-up names. Only for a proxy on this machine: the answer is a yes or a no, never a list.
 */
export function registerTlsAskRoute(app: H3, ctx: AgentContext) {
  app.get(`${ADMIN_PREFIX}/tls/ask`, async (event) => {
    if (!isLoopback(getRequestIP(event))) {
      throw new LambdaError({ code: 'LOOPBACK_ONLY', status: 403, message: 'This route answers only a proxy on the agent\'s own machine.', hint: 'Point Caddy\'s on_demand_tls ask at http://127.0.0.1:<agent port>/_lambda/tls/ask.' })
    }
    const raw = getQuery(event).domain
    const domain = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/\.$/, '') : ''
    if (!domain || domain.length > 253 || domain.includes(':') || isIP(domain) !== 0) {
      throw new LambdaError({ code: 'BAD_REQUEST', status: 400, message: 'Give the host name as ?domain=<name>.', hint: 'e.g. /_lambda/tls/ask?domain=hello.example.com' })
    }
    if (domain === ctx.options.domain) return { allowed: true }
    const route = resolveRoute(domain, '/', { domain: ctx.options.domain, pathRouting: false })
    if (route.kind === 'function') {
      const record = await ctx.functions.get(route.name)
      const served = record !== null && record.currentVersion !== null
      if (served && (route.version === undefined || await ctx.functions.getVersion(route.name, route.version) !== null)) return { allowed: true }
    }
    throw new LambdaError({ code: 'NOT_SERVED', status: 404, message: `No certificate for ${domain}: the agent serves nothing there.` })
  })
}
