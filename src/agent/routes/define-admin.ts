import type { IncomingMessage } from 'node:http'
import type { H3Event } from 'h3'
import { requireApiKey } from '../auth/require-key'
import type { AgentContext } from '../context'

/** An admin API handler: runs only with a valid API key. */
export function defineAdminHandler<T>(ctx: AgentContext, handler: (event: H3Event) => T | Promise<T>) {
  return async (event: H3Event) => {
    await requireApiKey(ctx.keys, event.runtime!.node!.req as IncomingMessage)
    return handler(event)
  }
}
