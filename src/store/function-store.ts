import type { Storage } from 'unstorage'
import type { FunctionRecord, ReleaseRecord, TombstoneRecord, VersionRecord } from './records'

export interface PendingSwitch {
  release: ReleaseRecord
  at: string
}

const functionKey = (name: string) => `functions:${name}`
const versionKey = (name: string, number: number) => `versions:${name}:${number}`
const tombstoneKey = (name: string) => `tombstones:${name}`

/** Functions and their versions. Each record is one atomic write. */
export function createFunctionStore(storage: Storage) {
  return {
    async get(name: string): Promise<FunctionRecord | null> {
      return storage.getItem<FunctionRecord>(functionKey(name))
    },
    async list(): Promise<FunctionRecord[]> {
      const keys = await storage.getKeys('functions')
      const records = await Promise.all(keys.map(key => storage.getItem<FunctionRecord>(key)))
      return records.filter((r): r is FunctionRecord => r !== null).sort((a, b) => a.name.localeCompare(b.name))
    },
    async put(record: FunctionRecord): Promise<void> {
      await storage.setItem(functionKey(record.name), record)
    },
    async remove(name: string): Promise<void> {
      await storage.removeItem(functionKey(name))
    },
    /** A deleted function's version counter (see TombstoneRecord). */
    getTombstone: (name: string) => storage.getItem<TombstoneRecord>(tombstoneKey(name)),
    putTombstone: (record: TombstoneRecord) => storage.setItem(tombstoneKey(record.name), record),
    removeTombstone: (name: string) => storage.removeItem(tombstoneKey(name)),
    async getVersion(name: string, number: number): Promise<VersionRecord | null> {
      return storage.getItem<VersionRecord>(versionKey(name, number))
    },
    async listVersions(name: string): Promise<VersionRecord[]> {
      const keys = await storage.getKeys(`versions:${name}`)
      const records = await Promise.all(keys.map(key => storage.getItem<VersionRecord>(key)))
      return records.filter((r): r is VersionRecord => r !== null && r.function === name).sort((a, b) => a.number - b.number)
    },
    async putVersion(record: VersionRecord): Promise<void> {
      await storage.setItem(versionKey(record.function, record.number), record)
    },
    async removeVersion(name: string, number: number): Promise<void> {
      await storage.removeItem(versionKey(name, number))
    },
    async listReleases(): Promise<ReleaseRecord[]> {
      const keys = await storage.getKeys('releases')
      const records = await Promise.all(keys.map(key => storage.getItem<ReleaseRecord>(key)))
      return records.filter((r): r is ReleaseRecord => r !== null).sort((a, b) => a.id - b.id)
    },
    getRelease: (id: number) => storage.getItem<ReleaseRecord>(`releases:${id}`),
    putRelease: (record: ReleaseRecord) => storage.setItem(`releases:${record.id}`, record),
    removeRelease: (id: number) => storage.removeItem(`releases:${id}`),
    /** A release rollback in progress: written before its switches, removed after, replayed after a crash. */
    getPendingSwitch: () => storage.getItem<PendingSwitch>('meta:pending-switch'),
    putPendingSwitch: (pending: PendingSwitch) => storage.setItem('meta:pending-switch', pending),
    clearPendingSwitch: () => storage.removeItem('meta:pending-switch'),
  }
}

export type FunctionStore = ReturnType<typeof createFunctionStore>
