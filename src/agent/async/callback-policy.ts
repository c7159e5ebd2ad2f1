import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import { LambdaError } from '../../errors'
import { ASYNC_LIMITS } from './async-limits'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** Resolves a host name to every address it has (the system resolver; tests pass their own). */
export type Lookup = (hostname: string) => Promise<ResolvedAddress[]>

export const systemLookup: Lookup = async hostname =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(a => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))

/**
 * Addresses a callback never goes to: a caller picks the URL, and the agent sits inside the operator's
 * network (server-side request forgery). IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) match the IPv4
 * ranges.
 */
const FORBIDDEN: Array<{ why: string, v4: string[], v6: string[] }> = [
  { why: 'a loopback address', v4: ['127.0.0.0/8'], v6: ['::1/128'] },
  { why: 'a link-local address (169.254.0.0/16 holds cloud metadata services)', v4: ['169.254.0.0/16'], v6: ['fe80::/10'] },
  { why: 'a private address', v4: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], v6: ['fc00::/7', 'fec0::/10'] },
  {
    why: 'a reserved or special-purpose address',
    v4: ['0.0.0.0/8', '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'],
    v6: ['::/96', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/23', '2001:db8::/32', '2002::/16', 'ff00::/8'],
  },
]

function blockListOf(cidrs: string[], type: 'ipv4' | 'ipv6', into = new BlockList()): BlockList {
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/')
    into.addSubnet(address!, Number(prefix), type)
  }
  return into
}

const FORBIDDEN_LISTS = FORBIDDEN.map(({ why, v4, v6 }) => ({ why, list: blockListOf(v6, 'ipv6', blockListOf(v4, 'ipv4')) }))

const typeOf = (address: string): 'ipv4' | 'ipv6' => isIP(address) === 6 ? 'ipv6' : 'ipv4'

export interface CallbackPolicy {
  /** Host names the operator allowed (`--callback-allow hooks.internal`): reached whatever they resolve to. */
  allowNames: Set<string>
  /** Addresses and ranges the operator allowed (`--callback-allow 10.0.0.0/8`). */
  allowAddresses: BlockList
  /** The agent's domain: `<anything>.<domain>` is the agent itself. */
  domain: string
  /** Addresses of this machine's interfaces. */
  ownAddresses: BlockList
}

const CIDR_RE = /^([^/]+)\/(\d{1,3})$/
const HOST_NAME_RE = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/

/** What one `--callback-allow` entry is, or why it is none: a host name, an IP address or a CIDR range. */
export function parseCallbackAllow(entry: string): { kind: 'name', name: string } | { kind: 'address', address: string } | { kind: 'range', address: string, prefix: number } | undefined {
  const value = entry.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
  const cidr = CIDR_RE.exec(value)
  if (cidr) {
    const prefix = Number(cidr[2])
    const family = isIP(cidr[1]!)
    return family !== 0 && prefix <= (family === 4 ? 32 : 128) ? { kind: 'range', address: cidr[1]!, prefix } : undefined
  }
  if (isIP(value) !== 0) return { kind: 'address', address: value }
  return HOST_NAME_RE.test(value) ? { kind: 'name', name: value } : undefined
}

export function createCallbackPolicy(opts: { allow: string[], domain: string }): CallbackPolicy {
  const allowNames = new Set<string>()
  const allowAddresses = new BlockList()
  for (const entry of opts.allow) {
    const parsed = parseCallbackAllow(entry)
    if (!parsed) throw new LambdaError({ code: 'INVALID_VALUE', status: 400, message: `--callback-allow ${JSON.stringify(entry)} is not a host name, an IP address or a CIDR range.`, hint: 'Use e.g. --callback-allow hooks.internal, --callback-allow 10.0.0.5 or --callback-allow 10.0.0.0/8.' })
    if (parsed.kind === 'name') allowNames.add(parsed.name)
    else if (parsed.kind === 'address') allowAddresses.addAddress(parsed.address, typeOf(parsed.address))
    else allowAddresses.addSubnet(parsed.address, parsed.prefix, typeOf(parsed.address))
  }
  const ownAddresses = new BlockList()
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) ownAddresses.addAddress(info.address.replace(/%.*$/, ''), info.family === 'IPv6' ? 'ipv6' : 'ipv4')
  }
  return { allowNames, allowAddresses, domain: opts.domain.toLowerCase(), ownAddresses }
}

/** Why a callback may not go to `address`, or undefined when it may. */
export function addressProblem(address: string, policy: CallbackPolicy): string | undefined {
  const type = typeOf(address)
  if (policy.allowAddresses.check(address, type)) return undefined
  for (const { why, list } of FORBIDDEN_LISTS) {
    if (list.check(address, type)) return why
  }
  if (policy.ownAddresses.check(address, type)) return 'an address of the agent\'s own machine'
  return undefined
}

export interface CallbackTarget {
  url: URL
  /** Where to connect: every one of them checked. */
  addresses: ResolvedAddress[]
}

export type CallbackRefusal = 'bad-url' | 'forbidden' | 'unresolvable'

function refused(url: string, problem: string, reason: CallbackRefusal): LambdaError {
  const shown = url.length > 200 ? `${url.slice(0, 200)}…` : url
  return new LambdaError({
    code: 'CALLBACK_URL_REFUSED',
    status: 400,
    message: `X-Callback-Url ${JSON.stringify(shown)} is refused: ${problem}.`,
    hint: reason === 'forbidden'
      ? 'Callbacks go only to public http(s) hosts. To allow a host of your own network, start the agent with --callback-allow <host name, address or CIDR range> (see docs/async.md).'
      : 'Send an absolute http:// or https:// URL of a public host, e.g. X-Callback-Url: https://hooks.example.com/done.',
    data: { reason },
  })
}

function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([promise, new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })]).finally(() => clearTimeout(timer))
}

/**
 * Checks a callback URL and resolves its host: only http(s), no credentials, and every address the host
 * has must be one a callback may reach (a name with one private address among public ones is refused:
 * the connection could go to either). Runs when a call is accepted (400 on refusal) and again right
 * before each delivery, whose connection then goes only to the addresses checked here: a name that
 * resolves elsewhere by then (DNS rebinding) is caught. Throws `CALLBACK_URL_REFUSED`, never connects.
 */
export async function checkCallbackUrl(raw: string, policy: CallbackPolicy, lookup: Lookup = systemLookup): Promise<CallbackTarget> {
  if (raw.length > ASYNC_LIMITS.callback.maxUrlLength) throw refused(raw, `it is longer than ${ASYNC_LIMITS.callback.maxUrlLength} characters`, 'bad-url')
  let url: URL
  try {
    url = new URL(raw)
  }
  catch {
    throw refused(raw, 'it is not an absolute URL', 'bad-url')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(raw, `only http and https are allowed, not ${url.protocol.replace(/:$/, '')}`, 'bad-url')
  if (url.username || url.password) throw refused(raw, 'it carries credentials (user:password@), which would be stored with the call', 'bad-url')
  // The URL parser has already turned 2130706433, 0x7f.1 and the like into a dotted address.
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase()
  const resolve = () => withDeadline(lookup(host), ASYNC_LIMITS.callback.lookupTimeoutMs, () => new Error('the lookup timed out'))
    .catch((error: Error) => {
      throw refused(raw, `its host "${host}" does not resolve (${(error as NodeJS.ErrnoException).code ?? error.message})`, 'unresolvable')
    })
  if (policy.allowNames.has(host)) return { url, addresses: isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : await resolve() }

  let addresses: ResolvedAddress[]
  if (isIP(host) !== 0) {
    addresses = [{ address: host, family: isIP(host) as 4 | 6 }]
  }
  else if (host === 'localhost' || host.endsWith('.localhost')) {
    // RFC 6761: these are loopback, whatever a resolver says; never looked up.
    addresses = [{ address: '127.0.0.1', family: 4 }]
  }
  else if (host === policy.domain || host.endsWith(`.${policy.domain}`)) {
    throw refused(raw, `"${host}" is the agent's own host (its domain is ${policy.domain})`, 'forbidden')
  }
  else {
    addresses = await resolve()
    if (addresses.length === 0) throw refused(raw, `its host "${host}" has no address`, 'unresolvable')
  }
  for (const { address } of addresses) {
    const problem = addressProblem(address, policy)
    if (problem) throw refused(raw, host === address ? `${address} is ${problem}` : `"${host}" resolves to ${address}, ${problem}`, 'forbidden')
  }
  return { url, addresses }
}
