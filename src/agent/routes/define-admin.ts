import type { H3Event } from 'h3'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiKeyRecord } from '../../store/records'
import type { KeyScope } from '../auth/key-scopes'
import type { AgentContext } from '../context'
import { getRouterParam } from 'h3'
import { actorOf, auditRefusal, failureOf } from '../audit/audit-log'
import { takeKeyToken } from '../auth/key-rate-limit'
import { requireApiKey } from '../auth/require-key'

/** A change the audit log records: its name, and what of the answer is worth keeping (never a value of a secret or key). */
export interface AuditedAction<T> {
  action: string
  detail?: (result: T) => Record<string, unknown> | undefined
}

/** The resource a route acts on, as its URL names it: a function, key id, secret, schedule or invocation. */
function targetOf(event: H3Event): string | undefined {
  const param = getRouterParam(event, 'name') ?? getRouterParam(event, 'id')
  return param === undefined ? undefined : param.slice(0, 80)
}

/**
 * An admin API handler: runs only with a valid API key whose scope covers `scope` (admin ⊃ deploy ⊃
 * invoke), and gets that key. A refused key is always audited; with `audited`, so is what the key did.
 */
export function defineAdminHandler<T>(ctx: Pick<AgentContext, 'keys' | 'audit'> & Partial<Pick<AgentContext, 'rateLimits'>>, scope: KeyScope, handler: (event: H3Event, key: ApiKeyRecord) => T | Promise<T>, audited?: AuditedAction<Awaited<T>>) {
  return async (event: H3Event) => {
    const req = event.runtime!.node!.req as IncomingMessage
    const action = audited?.action ?? `${req.method} ${event.url.pathname.slice(0, 120)}`
    const key = await requireApiKey(ctx.keys, req, scope).catch((error: unknown) => {
      auditRefusal(ctx.audit, req, action, targetOf(event), error)
      throw error
    })
    takeKeyToken(ctx.rateLimits, event.runtime!.node!.res as ServerResponse, key)
    if (!audited) return handler(event, key)
    const base = { action, target: targetOf(event), key: actorOf(key), ip: req.socket.remoteAddress }
    try {
      const result = await handler(event, key)
      const status = result instanceof Response ? result.status : event.res.status ?? 200
      ctx.audit.record({ ...base, outcome: 'ok', status, detail: audited.detail?.(result as Awaited<T>) })
      return result
    }
    catch (error) {
      ctx.audit.record({ ...base, ...failureOf(error) })
      throw error
    }
  }
}
