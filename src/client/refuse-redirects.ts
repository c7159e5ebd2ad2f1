import type { FetchContext } from 'ofetch'
import type { Connection } from './connection'
import { STATUS_CODES } from 'node:http'
import { LambdaError } from '../errors'
import { setHostHint } from './agent-errors'

/**
 * Every request the CLI sends carries its API key, and fetch would send it again (with the method and
 * body, for a 307 or 308) to wherever a 3xx points: another admin route of the same agent, or another
 * host. So no request follows a redirect: a function's 3xx is its answer, and an agent's is refused.
 */
export const NO_REDIRECTS = { redirect: 'manual' } as const satisfies RequestInit

export const isRedirect = (status: number) => status >= 300 && status < 400

/** `307 Temporary Redirect`, whether or not the server sent a reason phrase. */
export const statusLine = (response: Pick<Response, 'status' | 'statusText'>) => `${response.status} ${response.statusText || STATUS_CODES[response.status] || ''}`.trimEnd()

/** What to say when the agent answers an admin call with a redirect. */
export function agentRedirected(conn: Connection, request: { method: string, url: string }, response: Pick<Response, 'status' | 'statusText' | 'headers'>): LambdaError {
  const location = response.headers.get('location')
  const path = request.url.startsWith(conn.host) ? request.url.slice(conn.host.length) : request.url
  return new LambdaError({
    code: 'AGENT_REDIRECT',
    status: 502,
    message: `The agent at ${conn.host} answered ${request.method} ${path.split('?')[0]} with ${statusLine(response)}${location ? ` to ${location}` : ' (no Location)'}; the CLI does not follow redirects, so your API key went nowhere else.`,
    hint: `A Mini Lambda agent never redirects its API: if the agent moved (to https://…, another address or port), point the CLI at it. ${setHostHint(conn)} Otherwise what answers at ${conn.host} is not your agent.`,
    data: { status: response.status, location },
  })
}

/** ofetch's onResponse hook for admin calls: a 3xx is an error, never followed. */
export function refuseRedirects(conn: Connection) {
  return ({ request, options, response }: FetchContext) => {
    if (!response || !isRedirect(response.status)) return
    throw agentRedirected(conn, { method: options.method ?? 'GET', url: typeof request === 'string' ? request : request.url }, response)
  }
}
