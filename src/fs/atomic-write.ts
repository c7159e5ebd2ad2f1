import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** Names of the temp files below; whoever lists a folder written this way can skip (or clean) crash leftovers. */
export const ATOMIC_TEMP_FILE_RE = /\.[0-9a-f]{12}\.tmp$/

function tempPathFor(file: string): string {
  return `${file}.${randomBytes(6).toString('hex')}.tmp`
}

/**
 * Writes to a temp file in the same folder, fsyncs it, then renames it over the target:
 * readers (and a crash at any instant) see the old content or the new, never a torn file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { mode?: number, dirMode?: number, durable?: boolean } = {}): Promise<void> {
  const durable = opts.durable ?? true
  const created = await mkdir(dirname(file), { recursive: true, mode: opts.dirMode })
  // A folder made just now is an entry in its parent: without this a power loss could take it, and the record in it, away.
  if (durable && created) await syncCreatedFolders(created, dirname(file))
  const temp = tempPathFor(file)
  try {
    const handle = await open(temp, 'w', opts.mode)
    try {
      await handle.writeFile(data)
      // Without fsync a crash may lose the new content, but never tears it: fine for rebuildable files.
      if (durable) await handle.sync()
    }
    finally {
      await handle.close()
    }
    await rename(temp, file)
  }
  catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  if (durable) await syncDir(dirname(file))
}

/** fsyncs the parent of each folder from `first` (the outermost one mkdir created) down to `last`. */
async function syncCreatedFolders(first: string, last: string): Promise<void> {
  for (let dir = last; ; dir = dirname(dir)) {
    if (dir !== last) await syncDir(dir)
    if (dir === first || dirname(dir) === dir) break
  }
  await syncDir(dirname(first))
}

/**
 * Makes a folder written with plain copies durable: every file and folder in it, and its entry in its
 * parent. For what a record about to be written will point to (a process-provider artifact).
 */
export async function syncTree(root: string): Promise<void> {
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name)
    if (entry.isFile()) await syncFile(path)
    else if (entry.isDirectory()) await syncDir(path)
  }
  await syncDir(root)
  await syncDir(dirname(root))
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r')
  try {
    await handle.sync()
  }
  finally {
    await handle.close()
  }
}

/** fsync of the folder makes a rename or unlink in it durable. Best effort: some filesystems refuse it. */
export async function syncDir(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  }
  catch {}
  finally {
    await handle?.close()
  }
}
