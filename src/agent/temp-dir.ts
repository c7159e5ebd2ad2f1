import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { isDiskFull } from '../fs/disk-full'

/**
 * The agent's temp files (upload spools, unpacked uploads, base image contexts) live in its own data
 * dir, never the shared temp folder, and are emptied at every start: whatever a kill -9 left half
 * written is gone before anything else runs. The folders themselves are kept (emptied, not made again),
 * so a start on a full disk, where even a new folder may not fit, still goes through; what then needs
 * them answers 507 until there is room.
 */
export async function resetTempDirs(dataDir: string): Promise<{ tmpDir: string, uploadsDir: string }> {
  const tmpDir = join(dataDir, 'tmp')
  const uploadsDir = join(dataDir, 'uploads')
  await Promise.all([tmpDir, uploadsDir].map(emptyDir))
  return { tmpDir, uploadsDir }
}

async function emptyDir(dir: string): Promise<void> {
  const make = () => mkdir(dir, { recursive: true, mode: 0o700 })
  await make().catch(async (error: NodeJS.ErrnoException) => {
    if (isDiskFull(error)) return
    // Something else than a folder there (never made by the agent): replaced.
    if (error.code !== 'EEXIST') throw error
    await rm(dir, { recursive: true, force: true })
    await make()
  })
  const names = await readdir(dir).catch(() => [] as string[])
  await Promise.all(names.map(name => rm(join(dir, name), { recursive: true, force: true })))
}
