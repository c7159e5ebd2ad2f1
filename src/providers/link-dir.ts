import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Unix socket paths are limited to 107 bytes; below this folder a link adds at most `/<8 hex>/agent.sock`. */
const MAX_LINK_DIR_LENGTH = 107 - 20

/** `<dataDir>/run`, when socket paths under it stay short enough; only there do link folders outlive a run. */
export function lastingLinkDir(dataDir: string): string | undefined {
  const preferred = join(dataDir, 'run')
  return preferred.length <= MAX_LINK_DIR_LENGTH ? preferred : undefined
}

/**
 * The folder for instances' link sockets: `<dataDir>/run`, only the agent's (0700), emptied but for the
 * link folders of instances being adopted (`keep`); or a fresh private folder in the temp dir when a
 * deep data dir would make socket paths too long. Either way the socket paths are short by
 * construction, whatever the functions are called.
 */
export async function makeLinkDir(dataDir: string, keep: ReadonlySet<string> = new Set()): Promise<string> {
  const preferred = lastingLinkDir(dataDir)
  if (preferred) {
    if (keep.size === 0) await rm(preferred, { recursive: true, force: true })
    await mkdir(preferred, { recursive: true, mode: 0o700 })
    for (const entry of await readdir(preferred)) {
      if (!keep.has(entry)) await rm(join(preferred, entry), { recursive: true, force: true })
    }
    return preferred
  }
  // mkdtemp: a name nobody could have prepared for us in a shared folder.
  return mkdtemp(join(tmpdir(), 'mini-lambda-'))
}

/** Removes a link folder made in the temp dir (the data dir's own is emptied at the next start). */
export async function removeLinkDir(dataDir: string, dir: string | undefined): Promise<void> {
  if (dir && dir !== lastingLinkDir(dataDir)) await rm(dir, { recursive: true, force: true })
}
