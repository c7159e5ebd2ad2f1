import type { InstanceExit } from '../instances/types'
import type { InstancePool, Lease, PooledInstance } from '../pool/instance-pool'

/**
 * Keeps a request's slot until the runtime says its handler has settled. One that runs past its
 * deadline is stuck, as with any timeout: its instance is replaced. A custom image's server cannot be
 * asked, so its slot is held to the deadline and then freed.
 */
export function holdSlotUntilDone(pool: InstancePool, lease: Lease, requestId: string, deadline: number): void {
  const { pooled } = lease
  const done = pooled.instance.link.whenDone(requestId)
  const timer = setTimeout(() => {
    if (done) pool.retire(pooled, 'timeout')
    lease.release()
  }, Math.max(0, deadline - Date.now()))
  const release = () => {
    clearTimeout(timer)
    lease.release()
  }
  done?.then(release)
  void pooled.instance.exited.then(release)
}

/** The connection broke: learn whether the instance died, and how, before answering. */
export function exitOf(pooled: PooledInstance): Promise<InstanceExit | undefined> {
  const known = pooled.exit
  return known ? Promise.resolve(known) : Promise.race([pooled.instance.exited, new Promise<undefined>(r => setTimeout(r, 500))])
}
