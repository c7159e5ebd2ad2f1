import type { PooledInstance } from './instance-pool'

/**
 * Pauses and resumes pooled instances. Every transition of one instance is chained on the one before
 * (`pooled.transition`), so a request arriving while a pause is under way waits for it and then
 * resumes: the instance is never told to run and to freeze at once, whatever the order of calls.
 */
export function pauseInstance(pooled: PooledInstance): void {
  const { instance } = pooled
  if (!instance.pause || pooled.state !== 'ready') return
  // Out of service before the pause is even sent: no request can be written to a freezing instance.
  pooled.state = 'paused'
  pooled.transition = chain(pooled, () => instance.pause!()).catch(() => {
    // Still running (the freeze failed): serve again, unless a resume took over meanwhile; the next
    // attempt waits a whole pauseAfter again rather than hammering a failing engine.
    if (pooled.state === 'paused' && !pooled.resuming) {
      pooled.state = 'ready'
      pooled.lastUsed = Date.now()
    }
  })
}

/** Resolves once the instance runs again (one resume shared by all who wait); rejects if it cannot. */
export function resumeInstance(pooled: PooledInstance): Promise<void> {
  pooled.resuming ??= chain(pooled, async () => {
    if (pooled.state !== 'paused') return
    await pooled.instance.resume!()
  }).then(() => {
    if (pooled.state === 'paused') pooled.state = 'ready'
  }).finally(() => {
    pooled.resuming = undefined
  })
  return pooled.resuming
}

/** Waits for any transition under way, then `step`; the chain goes on whether either failed. */
function chain(pooled: PooledInstance, step: () => Promise<void>): Promise<void> {
  const next = (pooled.transition ?? Promise.resolve()).catch(() => {}).then(step)
  pooled.transition = next.catch(() => {})
  return next
}
