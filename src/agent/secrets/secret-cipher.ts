import type { SecretRecord } from '../../store/records'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const ALGORITHM = 'aes-256-gcm'

// Binds a ciphertext to its secret's name: a record copied under another name does not decrypt.
const associatedData = (name: string) => Buffer.from(`mini-lambda secret v1:${name}`, 'utf8')

export type SealedSecret = Pick<SecretRecord, 'cipher' | 'iv' | 'tag' | 'data'>

/** AES-256-GCM with a fresh 96-bit nonce per write. */
export function sealSecret(key: Buffer, name: string, value: string): SealedSecret {
  const iv = randomBytes(12)
  const cipher = createCipheriv(ALGORITHM, key, iv)
  cipher.setAAD(associatedData(name))
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  return { cipher: ALGORITHM, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
}

/** The value, or undefined when the record was not sealed with this key (or was altered). */
export function openSecret(key: Buffer, record: SecretRecord): string | undefined {
  try {
    if (record.cipher !== ALGORITHM) return undefined
    const tag = Buffer.from(record.tag, 'base64')
    if (tag.length !== 16) return undefined
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(record.iv, 'base64'))
    decipher.setAAD(associatedData(record.name))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(Buffer.from(record.data, 'base64')), decipher.final()]).toString('utf8')
  }
  catch {
    return undefined
  }
}
