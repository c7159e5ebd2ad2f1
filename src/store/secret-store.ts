import type { Storage } from 'unstorage'
import type { SecretRecord } from './records'

// The suffix keeps every valid name (even `..` or one ending like a temp file) a plain, safe key.
const secretKey = (name: string) => `secrets:${name}.secret`

/** Encrypted secret records; what they hold is the SecretVault's business. */
export function createSecretStore(storage: Storage) {
  return {
    async list(): Promise<SecretRecord[]> {
      const keys = await storage.getKeys('secrets')
      const records = await Promise.all(keys.map(key => storage.getItem<SecretRecord>(key)))
      return records.filter((r): r is SecretRecord => r !== null && typeof r === 'object').sort((a, b) => a.name.localeCompare(b.name))
    },
    get: (name: string) => storage.getItem<SecretRecord>(secretKey(name)),
    put: (record: SecretRecord) => storage.setItem(secretKey(record.name), record),
    remove: (name: string) => storage.removeItem(secretKey(name)),
  }
}

export type SecretStore = ReturnType<typeof createSecretStore>
