import type { SecretRecord } from '../../store/records'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const ALGORITHM = 'aes-256-gcm'

/** A sealed text: base64 of a 12-byte nonce, the 16-byte authentication tag and the ciphertext. */
export interface SealedText {
  iv: string
  tag: string
  data: string
}

/**
 * AES-256-GCM with a fresh 96-bit nonce per call. `context` is bound in as associated data: a blob
 * copied into another record (another secret's name, another invocation's id) does not open.
 */
export function sealText(key: Buffer, context: string, text: string): SealedText {
  const iv = randomBytes(12)
  const cipher = createCipheriv(ALGORITHM, key, iv)
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
}

/** The text, or undefined when it was not sealed with this key and context (or was altered). */
export function openText(key: Buffer, context: string, sealed: SealedText): string | undefined {
  try {
    const tag = Buffer.from(sealed.tag, 'base64')
    if (tag.length !== 16) return undefined
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(sealed.iv, 'base64'))
    decipher.setAAD(Buffer.from(context, 'utf8'))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8')
  }
  catch {
    return undefined
  }
}

// Binds a ciphertext to its secret's name: a record copied under another name does not decrypt.
const secretContext = (name: string) => `mini-lambda secret v1:${name}`

export type SealedSecret = Pick<SecretRecord, 'cipher' | 'iv' | 'tag' | 'data'>

export function sealSecret(key: Buffer, name: string, value: string): SealedSecret {
  return { cipher: ALGORITHM, ...sealText(key, secretContext(name), value) }
}

/** The value, or undefined when the record was not sealed with this key (or was altered). */
export function openSecret(key: Buffer, record: SecretRecord): string | undefined {
  return record.cipher === ALGORITHM ? openText(key, secretContext(record.name), record) : undefined
}
