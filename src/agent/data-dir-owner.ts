import { execFile } from 'node:child_process'
import { statSync } from 'node:fs'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Root working on the data dir of an agent that runs as another user (`sudo lambda agent keys create`
 * beside the systemd service) writes files that user could not read: give them back to the data dir's owner.
 */
export async function restoreDataDirOwner(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return
  let owner: { uid: number, gid: number }
  try {
    owner = statSync(dataDir)
  }
  catch {
    return
  }
  if (owner.uid === 0) return
  await run('chown', ['-R', `${owner.uid}:${owner.gid}`, '--', dataDir])
}
