import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The agent's temp files (upload spools, unpacked uploads, base image contexts) live in its own data
 * dir, never the shared temp folder, and are emptied at every start: whatever a kill -9 left half
 * written is gone before anything else runs.
 */
export async function resetTempDirs(dataDir: string): Promise<{ tmpDir: string, uploadsDir: string }> {
  const tmpDir = join(dataDir, 'tmp')
  const uploadsDir = join(dataDir, 'uploads')
  await Promise.all([tmpDir, uploadsDir].map(dir => rm(dir, { recursive: true, force: true })))
  await Promise.all([tmpDir, uploadsDir].map(dir => mkdir(dir, { recursive: true, mode: 0o700 })))
  return { tmpDir, uploadsDir }
}
