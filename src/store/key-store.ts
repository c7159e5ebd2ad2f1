import type { Storage } from 'unstorage'
import type { ApiKeyRecord } from './records'

export function createKeyStore(storage: Storage) {
  return {
    async list(): Promise<ApiKeyRecord[]> {
      const keys = await storage.getKeys('keys')
      const records = await Promise.all(keys.map(key => storage.getItem<ApiKeyRecord>(key)))
      return records.filter((r): r is ApiKeyRecord => r !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    },
    get: (id: string) => storage.getItem<ApiKeyRecord>(`keys:${id}`),
    put: (record: ApiKeyRecord) => storage.setItem(`keys:${record.id}`, record),
    remove: (id: string) => storage.removeItem(`keys:${id}`),
  }
}

export type KeyStore = ReturnType<typeof createKeyStore>
