import type { SealedText } from './secret-cipher'
import { hkdfSync } from 'node:crypto'
import { API_KEY_PATTERN } from '../../api/admin-api'
import { openText, sealText } from './secret-cipher'

/**
 * What marks a request header as a credential, by its name: `authorization`, `cookie`, `x-api-key`,
 * `x-auth-token`, `x-amz-security-token`, `x-vault-token`, `private-token`, `x-goog-api-key`, a
 * webhook's `x-hub-signature`… Any header holding a Mini Lambda API key counts too, whatever its name.
 */
const CREDENTIAL_NAME = /auth|token|secret|passw|api-?key|session|credential|signature|cookie|private/

const EMBEDDED_KEY = new RegExp(API_KEY_PATTERN)
const EMBEDDED_KEYS = new RegExp(API_KEY_PATTERN, 'g')

export function isCredentialHeader(name: string, value: string): boolean {
  return CREDENTIAL_NAME.test(name) || EMBEDDED_KEY.test(value)
}

/**
 * Bytes with every Mini Lambda API key's secret part cut out (`mlk_<id>_(redacted)`): for what the agent
 * keeps and shows of a function's answer, which may echo what it was sent.
 */
export function redactApiKeys(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1')
  if (!text.includes('mlk_')) return bytes
  return Buffer.from(text.replace(EMBEDDED_KEYS, (_key, id: string) => `mlk_${id}_(redacted)`), 'latin1')
}

/** Credentials of one stored call: their names in the clear (what `lambda invocation` shows), their values sealed (a JSON of name → value). */
export interface SealedHeaders extends SealedText {
  names: string[]
}

const PURPOSE = 'mini-lambda stored credentials v1'

/**
 * Seals the credentials of asynchronous calls while they are stored (the ledger keeps calls on disk
 * until they run, and finished ones for days): under a key derived from the secrets' master key, bound
 * to the invocation id, so a sealed blob is worth nothing in another record. Only an attempt opens it.
 */
export class CredentialSeal {
  private readonly key: Buffer

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), PURPOSE, 32))
  }

  /** The headers without credentials, and the credentials sealed for `id` (undefined when there are none). */
  split(id: string, headers: Record<string, string>): { headers: Record<string, string>, sealed?: SealedHeaders } {
    const plain: Record<string, string> = {}
    const secret: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) {
      if (isCredentialHeader(name, value)) secret[name] = value
      else plain[name] = value
    }
    const names = Object.keys(secret)
    return names.length === 0 ? { headers: plain } : { headers: plain, sealed: this.seal(id, names, secret) }
  }

  /** The credentials sealed for `id`, or undefined when the blob does not open with this key. */
  open(id: string, sealed: SealedHeaders): Record<string, string> | undefined {
    const json = openText(this.key, `${PURPOSE}:${id}`, sealed)
    if (json === undefined) return undefined
    try {
      const headers = JSON.parse(json) as unknown
      return typeof headers === 'object' && headers !== null ? headers as Record<string, string> : undefined
    }
    catch {
      return undefined
    }
  }

  private seal(id: string, names: string[], headers: Record<string, string>): SealedHeaders {
    return { names, ...sealText(this.key, `${PURPOSE}:${id}`, JSON.stringify(headers)) }
  }
}
