import type { H3Event } from 'h3'
import type { IncomingMessage } from 'node:http'
import type { AgentContext } from '../context'
import { LambdaError } from '../../errors'
import { functionURL } from '../options'

/**
 * `/<name>/…` on the agent's bare domain, as `lambda dev` serves it. The agent never serves a function's
 * content there: the bare domain is the admin API's origin (and a web console's), and a hostile function's
 * page on it could call the API with that origin's cookies. So a GET or HEAD is redirected to the
 * function's own host, path and query kept; other methods get an error naming that URL (a redirect would
 * make clients send the body again, or drop it). Unknown names fall through to the plain 404, which lists
 * nothing. The Location is built from the function's name and the agent's own domain, never from the
 * request's Host: it cannot point anywhere else.
 */
export function redirectByPath(ctx: AgentContext, event: H3Event): Response | undefined {
  const raw = (event.runtime?.node?.req as IncomingMessage | undefined)?.url ?? `${event.url.pathname}${event.url.search}`
  // `/<name>`, then `/…`, `?…` or nothing.
  const nameEnd = 1 + raw.slice(1).search(/[/?#]|$/)
  const name = raw.slice(1, nameEnd)
  if (!raw.startsWith('/') || name === '' || !ctx.serving.get(name)) return undefined
  const after = raw.slice(nameEnd)
  const rest = after.startsWith('/') ? after : `/${after}`
  const target = `${functionURL(ctx.options, name).replace(/\/$/, '')}${rest}`
  const method = event.req.method
  if (method === 'GET' || method === 'HEAD') return new Response(null, { status: 302, headers: { location: target } })
  throw new LambdaError({
    code: 'FUNCTION_NOT_BY_PATH',
    status: 421,
    message: `"${name}" is served at its own host, ${functionURL(ctx.options, name)}, not by path on the agent's bare domain.`,
    hint: `Send the ${method} to ${target}. Only GET and HEAD by path are redirected there.`,
  })
}
