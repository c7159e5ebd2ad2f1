import type { Storage } from 'unstorage'
import type { InvocationRecord } from './invocation-record'

const INBOX = 'async:inbox'
const RECORDS = 'async:invocations'

/** Reads many keys, a few at a time (thousands of parallel reads would run out of file handles); skips what is not an object. */
async function readAll<T>(storage: Storage, keys: string[], parallel = 32): Promise<Array<[string, T]>> {
  const out: Array<[string, T]> = []
  let next = 0
  await Promise.all(Array.from({ length: Math.min(parallel, keys.length) }, async () => {
    while (next < keys.length) {
      const key = keys[next++]!
      const value = await storage.getItem<T>(key)
      if (value !== null && typeof value === 'object') out.push([key, value])
    }
  }))
  return out
}

/** Batches of records under one prefix: each one written in one durable write (see batch-writer.ts). */
function batchesUnder(storage: Storage, prefix: string) {
  return {
    put: (key: string, records: InvocationRecord[]) => storage.setItem(`${prefix}:${key}`, { records }),
    get: async (key: string): Promise<InvocationRecord[] | undefined> => (await storage.getItem<{ records?: InvocationRecord[] }>(`${prefix}:${key}`))?.records,
    // Only ever removed once nothing needs it: one that comes back after a power loss is ignored and removed again.
    remove: (key: string) => storage.removeItem(`${prefix}:${key}`, { durable: false } as object),
    async list(): Promise<Array<{ key: string, records: InvocationRecord[] }>> {
      const batches = await readAll<{ records?: InvocationRecord[] }>(storage, await storage.getKeys(prefix))
      return batches
        .map(([key, value]) => ({ key: key.slice(prefix.length + 1), records: Array.isArray(value.records) ? value.records : [] }))
        .sort((a, b) => a.key.localeCompare(b.key))
    },
  }
}

/**
 * Where asynchronous invocations live in the agent's store. Accepted calls are written in `inbox`
 * batches before their 202 and finished ones in `succeeded` or `failed` batches (group commit: one durable
 * write for many calls, see batch-writer.ts; apart, since they are kept for different times); an invocation whose state changes otherwise (a retry is due, its callback
 * was sent) gets a record of its own, which takes precedence. Every copy holds the whole call, request
 * included, so a batch can go as soon as each call in it has a later copy.
 */
export function createInvocationStore(storage: Storage) {
  const recordKey = (fn: string, id: string) => `${RECORDS}:${fn}:${id}`
  return {
    inbox: batchesUnder(storage, INBOX),
    /** Finished calls, by how they ended. */
    done: { succeeded: batchesUnder(storage, 'async:succeeded'), failed: batchesUnder(storage, 'async:failed') },
    put: (record: InvocationRecord) => storage.setItem(recordKey(record.function, record.id), record),
    get: (fn: string, id: string) => storage.getItem<InvocationRecord>(recordKey(fn, id)),
    remove: (fn: string, id: string) => storage.removeItem(recordKey(fn, id)),
    list: async (): Promise<InvocationRecord[]> => (await readAll<InvocationRecord>(storage, await storage.getKeys(RECORDS))).map(([, record]) => record),
  }
}

export type InvocationStore = ReturnType<typeof createInvocationStore>
