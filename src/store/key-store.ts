import type { Storage } from 'unstorage'
import type { ApiKeyRecord } from './records'

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
  }
}

export type KeyStore = ReturnType<typeof createKeyStore>
