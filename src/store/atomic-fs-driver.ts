import type { Dirent } from 'node:fs'
import { chmodSync, readdirSync, rmSync, statSync } from 'node:fs'
import { readdir, readFile, rm, stat, unlink } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { defineDriver } from 'unstorage'
import { LambdaError } from '../errors'
import { ATOMIC_TEMP_FILE_RE, syncDir, writeFileAtomic } from '../fs/atomic-write'
import { diskFullError, isDiskFull } from '../fs/disk-full'

export interface AtomicFsDriverOptions {
  /** Folder with one file per key: `versions:hello:3` is `<base>/versions/hello/3`. */
  base: string
  /** Drop writes silently, as unstorage's fs driver does: lets a tool read a live agent's state safely. */
  readOnly?: boolean
}

const DRIVER_NAME = 'atomic-fs'

/** A key that is a folder, or below a file, is as absent as a missing one. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR'
}

function orIfMissing<T>(fallback: T) {
  return (error: unknown): T => {
    if (isMissing(error)) return fallback
    throw error
  }
}

/**
 * A write the disk refused: a full disk, a quota, a read-only mount are the machine's state, not a bug
 * (507 or 503 with what to do, never a bare 500); the record keeps its old content (see writeFileAtomic).
 */
function storeWriteFailed(base: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (isDiskFull(error)) throw diskFullError('The agent\'s state could not be saved', base, error, 'STORE_FULL')
    if (error.code !== 'EROFS' && error.code !== 'EACCES' && error.code !== 'EPERM') throw error
    throw new LambdaError({
      code: 'STORE_NOT_WRITABLE',
      status: 503,
      message: `The agent's state could not be saved: ${base} is not writable (${error.code}). Nothing was changed.`,
      hint: 'Give the agent\'s user write access to its data dir again, then try again.',
      cause: error,
    })
  }
}

// Records may hold what only the agent's user should read (config, key hashes, encrypted secrets).
const RECORD_MODE = 0o600
const FOLDER_MODE = 0o700

/**
 * Temp files left by a writer killed before its rename are never valid records, so safe to delete.
 * Records and folders an older version left readable by others are made private (not `base` itself,
 * which may be a mount point with the admin's own permissions).
 */
function tidyBase(base: string): void {
  let entries: Dirent[] = []
  try {
    entries = readdirSync(base, { recursive: true, withFileTypes: true })
  }
  catch (error) {
    if (!isMissing(error)) throw error
  }
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name)
    if (entry.isFile() && ATOMIC_TEMP_FILE_RE.test(entry.name)) rmSync(path, { force: true })
    else if (entry.isFile()) tighten(path, RECORD_MODE)
    else if (entry.isDirectory()) tighten(path, FOLDER_MODE)
  }
}

/** Best effort: a file another writer just replaced, or one owned by another user, is left as it is. */
function tighten(path: string, mode: number): void {
  try {
    if ((statSync(path).mode & 0o777 & ~mode) !== 0) chmodSync(path, mode)
  }
  catch {}
}

/**
 * unstorage's fs driver with the same key → path mapping, but crash-safe: every write goes to a temp
 * file that is fsynced and renamed over the record, so after a `kill -9` or power loss each record
 * holds its old content or its new content, never a torn mix.
 */
export const atomicFsDriver = defineDriver((options: AtomicFsDriverOptions) => {
  if (!options?.base) {
    throw new LambdaError({ code: 'STORE_BASE_REQUIRED', message: `The ${DRIVER_NAME} storage driver needs a \`base\` folder.`, hint: 'Pass { base: "/path/to/state" } to atomicFsDriver().' })
  }
  const base = resolve(options.base)
  const readOnly = options.readOnly === true
  if (!readOnly) tidyBase(base)

  const toPath = (key: string): string => {
    // Keys become paths: `..` would escape base, and a temp-file name would be hidden and deleted as a leftover.
    if (key.split(/[:/\\]/).includes('..') || ATOMIC_TEMP_FILE_RE.test(key)) {
      throw new LambdaError({ code: 'STORE_KEY_INVALID', status: 400, message: `Invalid storage key ${JSON.stringify(key)}.`, hint: 'Use keys without ".." segments and without a ".<12 hex>.tmp" ending.' })
    }
    return join(base, key.replace(/:/g, '/'))
  }
  // unstorage hands a base like `functions:` (or nothing for everything); keys are relative to the driver base.
  const folderOf = (keyBase: string | undefined): string => (keyBase ? toPath(keyBase) : base)

  return {
    name: DRIVER_NAME,
    options,
    async hasItem(key) {
      const info = await stat(toPath(key)).catch(orIfMissing(null))
      return info?.isFile() ?? false
    },
    getItem(key) {
      return readFile(toPath(key), 'utf8').catch(orIfMissing(null))
    },
    getItemRaw(key) {
      return readFile(toPath(key)).catch(orIfMissing(null))
    },
    async getMeta(key) {
      const info = await stat(toPath(key)).catch(orIfMissing(null))
      return info ? { atime: info.atime, mtime: info.mtime, size: info.size } : null
    },
    async setItem(key, value) {
      if (!readOnly) await writeFileAtomic(toPath(key), value, { mode: RECORD_MODE, dirMode: FOLDER_MODE }).catch(storeWriteFailed(base))
    },
    async setItemRaw(key, value) {
      if (!readOnly) await writeFileAtomic(toPath(key), value instanceof ArrayBuffer ? new Uint8Array(value) : value, { mode: RECORD_MODE, dirMode: FOLDER_MODE }).catch(storeWriteFailed(base))
    },
    async removeItem(key, opts) {
      if (readOnly) return
      const file = toPath(key)
      await unlink(file).catch(orIfMissing(undefined))
      // Without it a crash could bring a deleted record (say, a revoked API key) back. A caller for whom
      // a record coming back is harmless (`{ durable: false }`) saves the fsync.
      if ((opts as { durable?: boolean } | undefined)?.durable !== false) await syncDir(dirname(file))
    },
    async getKeys(keyBase) {
      const entries = await readdir(folderOf(keyBase), { recursive: true, withFileTypes: true }).catch(orIfMissing([]))
      return entries
        .filter(entry => !entry.isDirectory() && !ATOMIC_TEMP_FILE_RE.test(entry.name))
        .map(entry => relative(base, join(entry.parentPath, entry.name)).split(sep).join(':'))
    },
    async clear(keyBase) {
      if (readOnly) return
      const folder = folderOf(keyBase)
      // Empty the folder but keep it: base may be a mount point or carry permissions set by the admin.
      const names = await readdir(folder).catch(orIfMissing([]))
      await Promise.all(names.map(name => rm(join(folder, name), { recursive: true, force: true })))
      await syncDir(folder)
    },
  }
})

export default atomicFsDriver
