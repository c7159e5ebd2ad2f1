import type Dockerode from 'dockerode'
import { withDockerDeadline } from './api-deadline'
import { cgroupMemoryBytes } from './cgroup-memory'

/** A pause or resume is one small API call: a stuck engine must not hold a request for the usual 30 s. */
const FREEZER_DEADLINE_MS = 10_000
/** Stats of a paused container are read from its cgroup; Docker may still take a second to answer. */
const STATS_DEADLINE_MS = 5_000

/** The engine refusing because the container is already as asked: 409 on newer engines, 500 with this message on 20.10. */
const alreadyAsked = (error: unknown, state: 'paused' | 'not paused') => {
  const { statusCode, message } = error as { statusCode?: number, message?: string }
  return statusCode === 409 || (statusCode === 500 && new RegExp(`is ${state === 'paused' ? 'already paused' : 'not paused'}`).test(message ?? ''))
}

/** Freezes the container's processes (cgroup freezer): memory and sockets stay, CPU use stops. */
export async function pauseContainer(container: Dockerode.Container): Promise<void> {
  await withDockerDeadline('pausing a container', abortSignal => container.pause({ abortSignal }), FREEZER_DEADLINE_MS).catch((error) => {
    // Already paused (an earlier pause whose answer was lost): that is what was asked.
    if (!alreadyAsked(error, 'paused')) throw error
  })
}

export async function unpauseContainer(container: Dockerode.Container): Promise<void> {
  await withDockerDeadline('resuming a container', abortSignal => container.unpause({ abortSignal }), FREEZER_DEADLINE_MS).catch((error) => {
    // Not paused: running already, which is what was asked.
    if (!alreadyAsked(error, 'not paused')) throw error
  })
}

interface MemoryStats {
  usage?: number
  stats?: Record<string, number | undefined>
}

/**
 * The memory the container holds, as `docker stats` shows it: usage without the reclaimable page
 * cache (`total_inactive_file` on cgroup v1, `inactive_file` on v2). From the host's cgroup files when
 * they are where Docker usually puts them, else through the stats API; never from a path inside the container.
 */
export async function containerMemoryBytes(container: Dockerode.Container): Promise<number | undefined> {
  const fromCgroup = await cgroupMemoryBytes(container.id)
  if (fromCgroup !== undefined) return fromCgroup
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
