import type Dockerode from 'dockerode'
import { withDockerDeadline } from './api-deadline'

/** A pause or resume is one small API call: a stuck engine must not hold a request for the usual 30 s. */
const FREEZER_DEADLINE_MS = 10_000
/** Stats of a paused container are read from its cgroup; Docker may still take a second to answer. */
const STATS_DEADLINE_MS = 5_000

const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode

/** Freezes the container's processes (cgroup freezer): memory and sockets stay, CPU use stops. */
export async function pauseContainer(container: Dockerode.Container): Promise<void> {
  await withDockerDeadline('pausing a container', abortSignal => container.pause({ abortSignal }), FREEZER_DEADLINE_MS).catch((error) => {
    // 409: already paused (an earlier pause whose answer was lost): that is what was asked.
    if (statusOf(error) !== 409) throw error
  })
}

export async function unpauseContainer(container: Dockerode.Container): Promise<void> {
  await withDockerDeadline('resuming a container', abortSignal => container.unpause({ abortSignal }), FREEZER_DEADLINE_MS).catch((error) => {
    // 409 "not paused": running already, which is what was asked.
    if (statusOf(error) !== 409) throw error
  })
}

interface MemoryStats {
  usage?: number
  stats?: Record<string, number | undefined>
}

/**
 * The memory the container holds, as `docker stats` shows it: usage without the reclaimable page
 * cache (`total_inactive_file` on cgroup v1, `inactive_file` on v2). Read through the Docker API, so
 * the agent opens no path inside or about the container itself.
 */
export async function containerMemoryBytes(container: Dockerode.Container): Promise<number | undefined> {
  try {
    const stats = await withDockerDeadline('reading a container\'s memory', abortSignal => container.stats({ 'stream': false, 'one-shot': true, abortSignal } as { stream: false }) as Promise<{ memory_stats?: MemoryStats }>, STATS_DEADLINE_MS)
    const memory = stats.memory_stats
    if (typeof memory?.usage !== 'number') return undefined
    const cache = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0
    return Math.max(0, memory.usage - cache)
  }
  catch {
    return undefined
  }
}
