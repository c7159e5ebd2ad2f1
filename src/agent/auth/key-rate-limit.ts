import type { ServerResponse } from 'node:http'
import type { ConfigIssue } from '../../config/schema/checks'
import type { KeyStore } from '../../store/key-store'
import type { ApiKeyRecord, KeyRateLimit } from '../../store/records'
import type { RateLimits } from '../rate-limit/rate-limits'
import { rateLimitConfig, resolveRateLimit } from '../../config/schema/rate-limit'
import { LambdaError } from '../../errors'
import { rateLimited, rateLimitHeaders } from '../rate-limit/rate-limits'
import { findKey } from './api-keys'

const RATE_RE = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/
const RATE_HINT = 'Write requests a second, optionally with a burst: `--rate 5` or `--rate 5/10` (5 a second, bursts of 10), or `off` for no limit.'

/** A key's limit as the CLI writes it (`5`, `5/10`, `off`), or a 400 naming the fix. */
export function parseKeyRate(raw: string): KeyRateLimit | false {
  if (raw === 'off') return false
  const match = RATE_RE.exec(raw.trim())
  return checkKeyRateLimit(match ? { perSecond: Number(match[1]), ...(match[2] ? { burst: Number(match[2]) } : {}) } : raw)
}

/** The same checks as `functions.<name>.rateLimit`, for a key's limit from the CLI or the admin API. */
export function checkKeyRateLimit(value: unknown): KeyRateLimit | false {
  const issues: ConfigIssue[] = []
  if (!rateLimitConfig(value, 'rateLimit', issues)) {
    const issue = issues[0]!
    throw new LambdaError({ code: 'INVALID_RATE_LIMIT', status: 400, message: `The key's rate limit ${issue.path === 'rateLimit' ? '' : `(${issue.path}) `}${issue.problem}: got ${JSON.stringify(issue.value) ?? 'nothing'}.`, hint: `${RATE_HINT} Over the admin API: {"rateLimit":{"perSecond":5,"burst":10}} or {"rateLimit":false}.` })
  }
  return resolveRateLimit(value)
}

/** Sets (or, with false, removes) a key's rate limit; the running agent applies it at the key's next use. */
export async function setKeyRateLimit(keys: KeyStore, id: string, limit: KeyRateLimit | false): Promise<ApiKeyRecord> {
  const { rateLimit: _old, ...record } = await findKey(keys, id)
  const updated: ApiKeyRecord = limit ? { ...record, rateLimit: limit } : record
  await keys.put(updated)
  return updated
}

/**
 * Takes one request from a verified key's bucket (only stored keys have one, so random tokens never
 * make a bucket): its headers go on the answer, and past the limit a 429. Called for the admin API
 * and for `auth: key` functions alike, so a leaked key cannot hammer the agent.
 */
export function takeKeyToken(limits: RateLimits | undefined, res: ServerResponse, record: ApiKeyRecord): void {
  const limit = record.rateLimit
  if (!limit || !limits) return
  const result = limits.take(`key:${record.id}`, limit)
  const headers = rateLimitHeaders('key', limit, result)
  for (const header in headers) res.setHeader(header, headers[header]!)
  if (result.allowed) return
  res.setHeader('retry-after', String(result.retryAfter))
  throw rateLimited(`The API key ${record.id}`, limit, result, `raise the key's limit: \`lambda agent keys rate ${record.id} <perSecond>/<burst>\``)
}
