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

/**
 * Where asynchronous invocations live in the agent's store. Accepted calls arrive in batches (one
 * durable write per batch answers every call in it, see inbox.ts); each invocation gets a record of
 * its own, holding its request too, once something about it changes. A batch is removed once every
 * call in it has its own record.
 */
export function createInvocationStore(storage: Storage) {
  const recordKey = (fn: string, id: string) => `${RECORDS}:${fn}:${id}`
  return {
    putBatch: (key: string, calls: InvocationRecord[]) => storage.setItem(`${INBOX}:${key}`, { calls }),
    removeBatch: (key: string) => storage.removeItem(`${INBOX}:${key}`),
    getBatch: async (key: string): Promise<InvocationRecord[] | undefined> => (await storage.getItem<{ calls?: InvocationRecord[] }>(`${INBOX}:${key}`))?.calls,
    async listBatches(): Promise<Array<{ key: string, calls: InvocationRecord[] }>> {
      const batches = await readAll<{ calls?: InvocationRecord[] }>(storage, await storage.getKeys(INBOX))
      return batches.map(([key, value]) => ({ key: key.slice(INBOX.length + 1), calls: Array.isArray(value.calls) ? value.calls : [] })).sort((a, b) => a.key.localeCompare(b.key))
    },
    put: (record: InvocationRecord) => storage.setItem(recordKey(record.function, record.id), record),
    get: (fn: string, id: string) => storage.getItem<InvocationRecord>(recordKey(fn, id)),
    remove: (fn: string, id: string) => storage.removeItem(recordKey(fn, id)),
    list: async (): Promise<InvocationRecord[]> => (await readAll<InvocationRecord>(storage, await storage.getKeys(RECORDS))).map(([, record]) => record),
  }
}

export type InvocationStore = ReturnType<typeof createInvocationStore>
