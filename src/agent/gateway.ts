import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { H3Event } from 'h3'
import { LambdaError } from '../errors'
import { invokeThroughPool } from '../proxy/invoke'
import type { InvocationRecord } from '../proxy/invoke'
import { resolveRoute } from '../router/route'
import { requireApiKey } from './auth/require-key'
import type { AgentContext } from './context'
import { ADMIN_PREFIX } from './options'
import { functionNotFound } from './routes/not-found'

const DROP_AUTHORIZATION: ReadonlySet<string> = new Set(['authorization'])

export interface GatewayOptions {
  onInvocation?: (record: InvocationRecord) => void
}

/** Forwards one request to the serving version of `name` and streams the answer. */
export async function invokeServing(ctx: AgentContext, req: IncomingMessage, res: ServerResponse, name: string, path: string, opts: GatewayOptions & { viaAdmin?: boolean } = {}): Promise<void> {
  const entry = ctx.serving.get(name)
  if (!entry) throw functionNotFound(name, ctx.serving.names())
  const { config } = entry.version
  let dropHeaders: ReadonlySet<string> | undefined
  if (config.auth === 'key' || opts.viaAdmin) {
    if (!opts.viaAdmin) await requireApiKey(ctx.keys, req)
    dropHeaders = DROP_AUTHORIZATION
  }
  await invokeThroughPool(req, res, {
    pool: entry.pool,
    path,
    timeoutMs: config.timeout * 1000,
    memory: config.memory,
    dropHeaders,
    forwarded: {
      requestId: randomUUID(),
      clientIp: req.socket.remoteAddress ?? '',
      host: req.headers.host ?? '',
      proto: ctx.options.publicScheme,
    },
    onComplete: opts.onInvocation,
  })
}

/**
 * Runs before any route: a request whose Host is `<fn>.<domain>` belongs to that function, whatever
 * its path (so the admin prefix is unreachable through a function's host). Bare-domain requests go on
 * to the admin API.
 */
export function createGatewayMiddleware(ctx: AgentContext, opts: GatewayOptions = {}) {
  return async (event: H3Event) => {
    const req = event.runtime!.node!.req as IncomingMessage
    const res = event.runtime!.node!.res as ServerResponse
    const route = resolveRoute(req.headers.host, req.url ?? '/', { domain: ctx.options.domain, pathRouting: false, adminPrefix: ADMIN_PREFIX })
    if (route.kind === 'unknown-host') {
      throw new LambdaError({
        code: 'UNKNOWN_HOST',
        status: 404,
        message: `Host "${route.host}" is not served here: functions live at <name>.${ctx.options.domain}.`,
        hint: `Call http://<name>.${ctx.options.domain}/, or start the agent with --domain set to the domain that points at it.`,
      })
    }
    if (route.kind !== 'function') return undefined
    if (route.version !== undefined) {
      throw new LambdaError({ code: 'VERSION_ROUTES_UNSUPPORTED', status: 404, message: `Version routes (v${route.version}.${route.name}) are not available yet.`, hint: `Call http://${route.name}.${ctx.options.domain}/.` })
    }
    await invokeServing(ctx, req, res, route.name, route.path, opts)
    // The response is written; null tells h3 it is handled.
    return null
  }
}
