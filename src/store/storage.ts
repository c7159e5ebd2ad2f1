import type { Driver, Storage } from 'unstorage'
import { join } from 'node:path'
import { builtinDrivers, createStorage } from 'unstorage'
import { LambdaError } from '../errors'
import { atomicFsDriver } from './atomic-fs-driver'

/** Bumped when stored records change shape in a way older code would misread. */
export const STORE_FORMAT_VERSION = 1

const FORMAT_KEY = 'meta:format'
const DEFAULT_DRIVER = 'atomic-fs'

export interface StoreOptions {
  dataDir: string
  driver?: { name: string, options?: Record<string, unknown> }
}

/** The agent's storage: the crash-safe fs driver under `<dataDir>/state` by default; any unstorage builtin driver (e.g. { name: 'redis', options: { url } }) by configuration. */
export async function createAgentStorage(opts: StoreOptions): Promise<Storage> {
  const storage = createStorage({ driver: await loadDriver(opts) })
  try {
    await checkFormat(storage, describeStore(opts))
  }
  catch (error) {
    await storage.dispose()
    throw error
  }
  return storage
}

async function loadDriver(opts: StoreOptions): Promise<Driver> {
  const name = opts.driver?.name ?? DEFAULT_DRIVER
  if (name === DEFAULT_DRIVER) return atomicFsDriver({ base: join(opts.dataDir, 'state'), ...opts.driver?.options })
  const entry = Object.hasOwn(builtinDrivers, name) ? (builtinDrivers as Record<string, string>)[name] : undefined
  if (!entry) {
    throw new LambdaError({
      code: 'STORE_DRIVER_UNKNOWN',
      status: 400,
      message: `Unknown storage driver "${name}".`,
      hint: `Use "${DEFAULT_DRIVER}" (the default: crash-safe files under <dataDir>/state) or an unstorage builtin driver such as memory, redis, fs, s3 or mongodb.`,
      data: { driver: name },
    })
  }
  let factory: (options: Record<string, unknown>) => Driver
  try {
    factory = (await import(/* @vite-ignore */ entry)).default
  }
  catch (error) {
    throw new LambdaError({
      code: 'STORE_DRIVER_UNAVAILABLE',
      message: `The "${name}" storage driver could not be loaded: ${(error as Error).message}`,
      hint: 'Install the client library this driver needs next to Mini Lambda (listed at https://unstorage.unjs.io/drivers).',
      cause: error,
    })
  }
  return factory(opts.driver?.options ?? {})
}

function describeStore(opts: StoreOptions): string {
  const name = opts.driver?.name ?? DEFAULT_DRIVER
  return name === DEFAULT_DRIVER ? join(opts.dataDir, 'state') : `the "${name}" storage driver`
}

/** Refuses data written by a newer release rather than misreading it; never rewrites an existing record. */
async function checkFormat(storage: Storage, where: string): Promise<void> {
  const format = await storage.getItem(FORMAT_KEY)
  if (format === null) {
    await storage.setItem(FORMAT_KEY, { version: STORE_FORMAT_VERSION })
    return
  }
  const version = typeof format === 'object' ? (format as { version?: unknown }).version : undefined
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new LambdaError({
      code: 'STORE_FORMAT_INVALID',
      message: `The store in ${where} has an unreadable format record "${FORMAT_KEY}": ${JSON.stringify(format)}.`,
      hint: `Restore it (expected { "version": ${STORE_FORMAT_VERSION} }) or point the agent at an empty data dir; nothing was changed.`,
    })
  }
  if (version > STORE_FORMAT_VERSION) {
    throw new LambdaError({
      code: 'STORE_TOO_NEW',
      message: `The store in ${where} was written by a newer Mini Lambda (store format ${version}; this version knows up to ${STORE_FORMAT_VERSION}).`,
      hint: 'Upgrade Mini Lambda on this machine, or point the agent at another data dir; the data was left untouched.',
      data: { version, supported: STORE_FORMAT_VERSION },
    })
  }
}
