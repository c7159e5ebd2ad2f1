import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

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
  await mkdir(dirname(file), { recursive: true, mode: opts.dirMode })
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
