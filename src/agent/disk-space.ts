import { statfs } from 'node:fs/promises'

/** Below this the agent starts read-mostly: writes that do not fit answer 507 until space is freed. */
const LOW_SPACE_BYTES = 16 * 1024 * 1024

/**
 * Says loudly, at the start, that the data dir's disk is (nearly) full: the agent still serves what it has,
 * and every change that needs the disk answers 507 with what to free, until there is room again.
 */
export async function checkDiskSpace(dataDir: string, warn: (line: string) => void): Promise<void> {
  const stats = await statfs(dataDir).catch(() => undefined)
  if (!stats) return
  const free = stats.bavail * stats.bsize
  if (free >= LOW_SPACE_BYTES) return
  warn(`The disk holding ${dataDir} is ${free === 0 ? 'full' : `nearly full (${Math.floor(free / 1024)} KiB free)`}: the agent serves what it has, but deploys, keys, secrets, schedules and asynchronous calls that need the disk answer 507 until space is freed (\`df -h ${dataDir}\`; old images: \`docker image prune\`). No restart is needed once there is room.`)
}
