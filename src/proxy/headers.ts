import type { IncomingMessage } from 'node:http'
import { TRIGGER_HEADERS } from './trigger-headers'

/** Connection-scoped headers (RFC 9110 §7.6.1): they describe one hop and are never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization'])

/**
 * Headers only the gateway (or the agent's own calls) may set; a client's own copies are dropped so
 * they cannot be forged: a public caller cannot pass for a schedule, and the `x-lambda-invocation-id`
 * and `x-lambda-attempt` of an asynchronous call come from the agent alone (a function may take the id
 * as its idempotency key).
 */
const GATEWAY_OWNED = new Set<string>(['x-lambda-request-id', 'x-lambda-deadline', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id', 'x-real-ip', 'forwarded', 'x-lambda-invocation-id', 'x-lambda-attempt', ...TRIGGER_HEADERS])

export interface ForwardedFor {
  requestId: string
  deadline: number
  clientIp: string
  host: string
  proto: 'http' | 'https'
}

/**
 * Request headers for the instance: the client's, minus hop-by-hop ones, plus the gateway's. Over
 * HTTP the request id and deadline travel as headers too (`internal`); a frame's head carries them.
 */
export function upstreamRequestHeaders(req: IncomingMessage, forwarded: ForwardedFor, drop?: ReadonlySet<string>, internal = true): string[] {
  const out: string[] = []
  const raw = req.rawHeaders
  let priorForwardedFor: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (name === 'x-forwarded-for') priorForwardedFor = priorForwardedFor ? `${priorForwardedFor}, ${raw[i + 1]}` : raw[i + 1]
    if (HOP_BY_HOP.has(name) || GATEWAY_OWNED.has(name) || drop?.has(name)) continue
    out.push(raw[i]!, raw[i + 1]!)
  }
  out.push('x-request-id', forwarded.requestId)
  if (internal) out.push('x-lambda-request-id', forwarded.requestId, 'x-lambda-deadline', String(forwarded.deadline))
  out.push(
    // Only the address that connected to us is known to be true; earlier hops are the client's claim.
    'x-forwarded-for',
    priorForwardedFor ? `${priorForwardedFor}, ${forwarded.clientIp}` : forwarded.clientIp,
    'x-forwarded-host',
    forwarded.host,
    'x-forwarded-proto',
    forwarded.proto,
  )
  return out
}

/**
 * The agent's own answers on a function's response: the request id `lambda logs --request` finds the
 * call by, and a rate limit's state. A function (untrusted code) cannot replace them; its own values
 * reach the client as `x-lambda-remapped-<name>`, as API Gateway's `x-amzn-Remapped-` headers do.
 */
const AGENT_OWNED_RESPONSE = new Set<string>(['x-request-id'])
const AGENT_RATE_LIMIT = new Set<string>(['ratelimit', 'ratelimit-policy'])

/**
 * Response headers for the client: the instance's (a flat raw list), minus hop-by-hop ones and those the
 * agent answers itself; `agentRateLimit` when the agent set RateLimit headers of its own on this answer.
 */
export function downstreamResponseHeaders(raw: string[], requestId: string, agentRateLimit = false): string[] {
  const pairs: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (HOP_BY_HOP.has(name)) continue
    if (AGENT_OWNED_RESPONSE.has(name) || (agentRateLimit && AGENT_RATE_LIMIT.has(name))) pairs.push(`x-lambda-remapped-${name}`, raw[i + 1]!)
    else pairs.push(raw[i]!, raw[i + 1]!)
  }
  pairs.push('x-request-id', requestId)
  return pairs
}
