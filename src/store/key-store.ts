import type { Storage } from 'unstorage'
import type { ApiKeyRecord } from './records'
import { createHash, randomBytes } from 'node:crypto'

// Outside `keys`, so no listing shows it; shaped like a key record, so reading it costs the same.
const DECOY_KEY = 'meta:key-decoy'

export function createKeyStore(storage: Storage) {
  return {
    async list(): Promise<ApiKeyRecord[]> {
      const keys = await storage.getKeys('keys')
      const records = await Promise.all(keys.map(key => storage.getItem<ApiKeyRecord>(key)))
      // Records are read back as stored, possibly by an older release or by hand: never trust their types.
      return records
        .filter((r): r is ApiKeyRecord => typeof r === 'object' && r !== null && !Array.isArray(r))
        .sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)))
    },
    get: (id: string) => storage.getItem<ApiKeyRecord>(`keys:${id}`),
    put: (record: ApiKeyRecord) => storage.setItem(`keys:${record.id}`, record),
    remove: (id: string) => storage.removeItem(`keys:${id}`),
    /** A record no key matches, read in place of a key id that does not exist (see verifyApiKey). */
    decoy: () => storage.getItem<ApiKeyRecord>(DECOY_KEY),
    /** Writes the decoy once; its hash is of a secret nobody keeps. */
    async ensureDecoy(): Promise<void> {
      if (await storage.hasItem(DECOY_KEY)) return
      const hash = createHash('sha256').update(randomBytes(32)).digest('hex')
      await storage.setItem(DECOY_KEY, { id: 'decoy000', name: 'decoy', scope: 'invoke', hash, secrets: [], createdAt: new Date().toISOString() } satisfies ApiKeyRecord)
    },
  }
}

export type KeyStore = ReturnType<typeof createKeyStore>
