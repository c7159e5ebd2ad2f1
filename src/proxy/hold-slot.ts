import type { InstanceExit } from '../instances/types'
import type { InstancePool, Lease, PooledInstance } from '../pool/instance-pool'

/**
 * Frees a request's slot once its handler has settled, for a request the agent stopped waiting for
 * (its deadline passed, or its client left) while the handler may still run: `concurrency` is a promise
 * to the function's code (a DB pool, a library that is not reentrant), so the next request never starts
 * on top of one still running.
 *
 * - The instance is already being stopped (retired for this timeout): nothing more runs there.
 * - The runtime can say (its control connection's `await`/`done`): the slot is held until it does.
 *   A handler still running when its own time (`timeoutMs` from the moment it got its slot) is up is
 *   stuck, as with any timeout: its instance is replaced, which frees the slot.
 * - A custom image's own server cannot be asked: the slot is held for the handler's whole time, and the
 *   instance is then replaced, the only way to know nothing of that request still runs.
 */
export function releaseWhenSettled(pool: InstancePool, lease: Lease, requestId: string, timeoutMs: number): void {
  const { pooled } = lease
  if (pooled.state === 'retiring' || pooled.state === 'dead') return lease.release()
  const done = pooled.instance.link.whenDone(requestId)
  const handlerDeadline = lease.grantedAt + timeoutMs
  const timer = setTimeout(() => {
    pool.retire(pooled, 'timeout')
    lease.release()
  }, Math.max(0, handlerDeadline - performance.now()))
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
