import type { H3Event } from 'h3'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NodeFastPath } from '../http/node-fast-path'
import type { VersionRecord } from '../store/records'
import type { AgentContext } from './context'
import type { BucketLimit } from './rate-limit/token-bucket'
import { randomUUID } from 'node:crypto'
import { ADMIN_PREFIX } from '../api/admin-api'
import { LambdaError } from '../errors'
import { finishFastPath } from '../http/node-fast-path'
import { invokeThroughPool } from '../proxy/invoke'
import { resolveRoute } from '../router/route'
import { acceptEvent } from './async/accept-event'
import { invocationTypeOf } from './async/invocation-type'
import { auditRefusal } from './audit/audit-log'
import { takeKeyToken } from './auth/key-rate-limit'
import { requireApiKey } from './auth/require-key'
import { functionURL } from './options'
import { rateLimited, rateLimitHeaders } from './rate-limit/rate-limits'
import { functionNotFound } from './routes/not-found'

const DROP_AUTHORIZATION: ReadonlySet<string> = new Set(['authorization'])

export interface InvokeServingOptions {
  /** Through the admin API (`lambda invoke`): the caller's key was checked already, and is not passed on. */
  viaAdmin?: boolean
  /** A kept version (`v<N>.<fn>`) instead of the serving one. */
  version?: number
}

/** `viaAdmin`: the caller holds a key, so a miss may list what is deployed; a public caller learns nothing. */
function target(ctx: AgentContext, name: string, version: number | undefined, viaAdmin = false): VersionRecord {
  const notFound = () => functionNotFound(name, viaAdmin ? ctx.serving.names() : undefined)
  if (version === undefined) {
    const entry = ctx.serving.get(name)
    if (!entry) throw notFound()
    return entry.version
  }
  const kept = ctx.serving.version(name, version)
  if (!kept) {
    if (!ctx.serving.get(name)) throw notFound()
    throw new LambdaError({ code: 'VERSION_NOT_FOUND', status: 404, message: `Function "${name}" has no version ${version} (never deployed, or pruned).`, hint: `See the kept versions with \`lambda versions ${name}\`.` })
  }
  return kept
}

/**
 * Forwards one request to `name` (its serving version, or version `version`) and streams the answer;
 * or, with `X-Lambda-Invocation-Type: Event`, answers with the 202 (or 429) of an accepted call.
 * Every answer carries `X-Request-Id`, errors too: the id `lambda logs --request` finds the call by.
 */
export function invokeServing(ctx: AgentContext, req: IncomingMessage, res: ServerResponse, name: string, path: string, opts: InvokeServingOptions = {}): Promise<Response | undefined> {
  const requestId = randomUUID()
  return invokeVersion(ctx, req, res, name, path, opts, requestId).catch((error: unknown) => {
    // A success gets the id with the function's headers; only an error answer needs it set here.
    if (!res.headersSent) res.setHeader('x-request-id', requestId)
    throw error
  })
}

/**
 * Who may call, and how often: the function's policy now, whichever version a URL names. A kept version
 * (`v<N>.<fn>`) answers under the serving version's rate limit and, of the two, the stricter auth: an old
 * version's URL is no way around a key or a limit added since.
 */
function policyOf(ctx: AgentContext, name: string, version: VersionRecord): Pick<VersionRecord['config'], 'auth' | 'rateLimit'> {
  const serving = ctx.serving.get(name)?.version
  if (!serving || serving === version) return version.config
  return { auth: serving.config.auth === 'key' || version.config.auth === 'key' ? 'key' : serving.config.auth, rateLimit: serving.config.rateLimit }
}

async function invokeVersion(ctx: AgentContext, req: IncomingMessage, res: ServerResponse, name: string, path: string, opts: InvokeServingOptions, requestId: string): Promise<Response | undefined> {
  let version = target(ctx, name, opts.version, opts.viaAdmin)
  let dropHeaders: ReadonlySet<string> | undefined
  if (policyOf(ctx, name, version).auth === 'key' || opts.viaAdmin) {
    if (!opts.viaAdmin) {
      const key = await requireApiKey(ctx.keys, req, 'invoke').catch((error: unknown) => {
        auditRefusal(ctx.audit, req, 'function.invoke', name, error)
        throw error
      })
      takeKeyToken(ctx.rateLimits, res, key)
    }
    dropHeaders = DROP_AUTHORIZATION
    // Checking the key took a turn of the event loop, in which a switch may have happened.
    version = target(ctx, name, opts.version, opts.viaAdmin)
  }
  const { rateLimit } = policyOf(ctx, name, version)
  if (rateLimit) takeFunctionToken(ctx, res, name, rateLimit)
  const type = invocationTypeOf(req)
  if (type === 'Event') return acceptEvent(ctx, req, { name, version: opts.version, path, dropHeaders })
  if (type === 'DryRun') return new Response(null, { status: 204 })
  // A switch can retire the pool between the lookup and the forward; the request then goes to the
  // version that replaced it instead of failing.
  for (let attempt = 1; ; attempt++, version = target(ctx, name, opts.version, opts.viaAdmin)) {
    try {
      await forwardTo(ctx, req, res, version, path, dropHeaders, requestId)
      return undefined
    }
    catch (error) {
      if (!(LambdaError.is(error) && error.code === 'VERSION_RETIRED') || res.headersSent || attempt >= 3) throw error
    }
  }
}

/** A rate-limited function's bucket: its headers on every answer, a 429 once it is empty. */
function takeFunctionToken(ctx: AgentContext, res: ServerResponse, name: string, limit: BucketLimit): void {
  const result = ctx.rateLimits.take(`fn:${name}`, limit)
  const headers = rateLimitHeaders('function', limit, result)
  for (const header in headers) res.setHeader(header, headers[header]!)
  if (result.allowed) return
  res.setHeader('retry-after', String(result.retryAfter))
  throw rateLimited(`Function "${name}"`, limit, result, `raise functions.${name}.rateLimit in lambda.config.ts and deploy`)
}

function forwardTo(ctx: AgentContext, req: IncomingMessage, res: ServerResponse, version: VersionRecord, path: string, dropHeaders: ReadonlySet<string> | undefined, requestId: string): Promise<void> {
  const { config } = version
  return invokeThroughPool(req, res, {
    pool: ctx.serving.poolFor(version),
    path,
    timeoutMs: config.timeout * 1000,
    memory: config.memory,
    dropHeaders,
    forwarded: {
      requestId,
      clientIp: req.socket.remoteAddress ?? '',
      host: req.headers.host ?? '',
      proto: ctx.options.publicScheme,
    },
    onComplete: ctx.invocations.listener,
  })
}

/**
 * Runs before any route: a request whose Host is `<fn>.<domain>` belongs to that function, whatever
 * its path (so the admin prefix is unreachable through a function's host). Bare-domain requests go on
 * to the admin API.
 */
export function createGatewayMiddleware(ctx: AgentContext) {
  return async (event: H3Event) => {
    const req = event.runtime!.node!.req as IncomingMessage
    const res = event.runtime!.node!.res as ServerResponse
    const route = resolveRoute(req.headers.host, req.url ?? '/', { domain: ctx.options.domain, pathRouting: false, adminPrefix: ADMIN_PREFIX })
    if (route.kind === 'unknown-host') {
      res.setHeader('x-request-id', randomUUID())
      throw new LambdaError({
        code: 'UNKNOWN_HOST',
        status: 404,
        message: `Host "${route.host}" is not served here: functions live at <name>.${ctx.options.domain}.`,
        hint: `Call ${functionURL(ctx.options, '<name>')}, or start the agent with --domain set to the domain that points at it.`,
      })
    }
    if (route.kind !== 'function') return undefined
    const answer = await invokeServing(ctx, req, res, route.name, route.path, { version: route.version })
    // Without an answer to send, the response is written; null tells h3 it is handled.
    return answer ?? null
  }
}

/**
 * The gateway ahead of h3 (see node-fast-path.ts): a request for a function host goes straight to the
 * function; unknown hosts and the admin API go on to h3 and the middleware above.
 */
export function createGatewayFastPath(ctx: AgentContext): NodeFastPath {
  return (req, res) => {
    const route = resolveRoute(req.headers.host, req.url ?? '/', { domain: ctx.options.domain, pathRouting: false, adminPrefix: ADMIN_PREFIX })
    if (route.kind !== 'function') return false
    finishFastPath(res, invokeServing(ctx, req, res, route.name, route.path, { version: route.version }))
    return true
  }
}
