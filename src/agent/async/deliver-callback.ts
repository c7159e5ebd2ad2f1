import type { LookupFunction } from 'node:net'
import type { CallbackPolicy, Lookup, ResolvedAddress } from './callback-policy'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { LambdaError } from '../../errors'
import { ASYNC_LIMITS } from './async-limits'
import { checkCallbackUrl, systemLookup } from './callback-policy'

export interface CallbackOutcome {
  delivered: boolean
  /** Worth another try later: the server could not be reached, or answered 5xx, 408 or 429. */
  retry: boolean
  status?: number
  error?: string
}

/** Hands the connection exactly the addresses that were checked, so nothing is resolved twice. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: { all?: boolean, family?: number | string }, callback: (...args: unknown[]) => void) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0
    const usable = addresses.filter(a => family === 0 || a.family === family)
    if (usable.length === 0) return callback(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }))
    if (options.all) return callback(null, usable)
    callback(null, usable[0]!.address, usable[0]!.family)
  }) as LookupFunction
}

/**
 * POSTs `payload` as JSON to a callback URL a caller chose. The URL is checked again and its host
 * resolved again first (it may point elsewhere since the call was accepted); the connection goes only
 * to the addresses checked. Redirects are not followed, the whole delivery has a deadline, and at most a
 * few KB of the answer are read. Never rejects.
 */
export async function deliverCallback(url: string, payload: unknown, policy: CallbackPolicy, opts: { lookup?: Lookup, timeoutMs?: number, headers?: Record<string, string> } = {}): Promise<CallbackOutcome> {
  let target
  try {
    target = await checkCallbackUrl(url, policy, opts.lookup ?? systemLookup)
  }
  catch (error) {
    const refusal = LambdaError.is(error) ? error.data?.reason : undefined
    return { delivered: false, retry: refusal === 'unresolvable', error: (error as Error).message }
  }
  const body = Buffer.from(JSON.stringify(payload))
  const timeoutMs = opts.timeoutMs ?? ASYNC_LIMITS.callback.timeoutMs
  return new Promise<CallbackOutcome>((resolve) => {
    let settled = false
    const settle = (outcome: CallbackOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const { url: parsed } = target
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send({
      protocol: parsed.protocol,
      hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
      port: parsed.port || undefined,
      path: `${parsed.pathname}${parsed.search}`,
      method: 'POST',
      agent: false,
      lookup: pinnedLookup(target.addresses),
      headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'mini-lambda-agent', ...opts.headers },
    }, (res) => {
      const status = res.statusCode ?? 0
      let read = 0
      const done = () => {
        if (status >= 200 && status < 300) return settle({ delivered: true, retry: false, status })
        const retry = status >= 500 || status === 408 || status === 429
        const why = status >= 300 && status < 400 ? `answered ${status} (redirects are not followed)` : `answered ${status}`
        settle({ delivered: false, retry, status, error: `The callback server ${why}.` })
      }
      res.on('data', (chunk: Buffer) => {
        read += chunk.length
        // The status is all that matters: a server sending more does not get to keep the agent reading.
        if (read >= ASYNC_LIMITS.callback.maxResponseBytes) {
          done()
          res.destroy()
        }
      })
      res.on('end', done)
      res.on('close', done)
      res.on('error', done)
    })
    const timer = setTimeout(() => {
      req.destroy()
      settle({ delivered: false, retry: true, error: `The callback server did not answer within ${timeoutMs / 1000} s.` })
    }, timeoutMs)
    req.on('error', error => settle({ delivered: false, retry: true, error: `The callback could not be sent: ${error.message}.` }))
    req.end(body)
  })
}
