import type { H3Event } from 'h3'
import type { IncomingMessage } from 'node:http'
import type { KeyScope } from '../auth/key-scopes'
import type { AgentContext } from '../context'
import { requireApiKey } from '../auth/require-key'

/** An admin API handler: runs only with a valid API key whose scope covers `scope` (admin ⊃ deploy ⊃ invoke). */
export function defineAdminHandler<T>(ctx: AgentContext, scope: KeyScope, handler: (event: H3Event) => T | Promise<T>) {
  return async (event: H3Event) => {
    await requireApiKey(ctx.keys, event.runtime!.node!.req as IncomingMessage, scope)
    return handler(event)
  }
}
