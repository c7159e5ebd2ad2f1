import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Unix socket paths are limited to 107 bytes; below this folder a link adds at most `/<8 hex>/agent.sock`. */
const MAX_LINK_DIR_LENGTH = 107 - 20

/**
 * The folder for instances' link sockets: `<dataDir>/run`, emptied, only the agent's (0700); or a fresh
 * private folder in the temp dir when a deep data dir would make socket paths too long. Either way the
 * socket paths are short by construction, whatever the functions are called.
 */
export async function makeLinkDir(dataDir: string): Promise<string> {
  const preferred = join(dataDir, 'run')
  await rm(preferred, { recursive: true, force: true })
  if (preferred.length <= MAX_LINK_DIR_LENGTH) {
    await mkdir(preferred, { recursive: true, mode: 0o700 })
    return preferred
  }
  // mkdtemp: a name nobody could have prepared for us in a shared folder.
  return mkdtemp(join(tmpdir(), 'mini-lambda-'))
}

/** Removes a link folder made in the temp dir (the data dir's own is emptied at the next start). */
export async function removeLinkDir(dataDir: string, dir: string | undefined): Promise<void> {
  if (dir && dir !== join(dataDir, 'run')) await rm(dir, { recursive: true, force: true })
}
