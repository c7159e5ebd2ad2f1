import type { MissingVersion, ReleaseListing } from '../../api/admin-api'
import type { ReleaseRecord } from '../../store/records'
import type { AgentContext } from '../context'

interface FunctionNow {
  /** When the function as it is now was created: a delete and a redeploy make it anew. */
  createdAt: number
  kept: Set<number>
}

/** Each function's record and kept versions, null for a deleted one; read once per function, however many releases. */
function functionReader(ctx: AgentContext) {
  const cache = new Map<string, Promise<FunctionNow | null>>()
  return (name: string) => {
    let now = cache.get(name)
    if (!now) {
      now = ctx.functions.get(name).then(async record => record ? { createdAt: Date.parse(record.createdAt), kept: new Set((await ctx.functions.listVersions(name)).map(v => v.number)) } : null)
      cache.set(name, now)
    }
    return now
  }
}

/**
 * Checks each release against what the agent has now. Computed at each read rather than stored:
 * a prune, a delete or a redeploy changes it, and a stored flag could only go stale.
 */
export async function describeReleases(ctx: AgentContext, releases: ReleaseRecord[]): Promise<ReleaseListing[]> {
  const functionNow = functionReader(ctx)
  return Promise.all(releases.map(async (release) => {
    const missing: MissingVersion[] = []
    for (const [name, version] of Object.entries(release.functions)) {
      const now = await functionNow(name)
      if (now?.kept.has(version)) continue
      // Made after the release: the function the release knew was deleted, and this is a redeploy.
      const deleted = !now || now.createdAt > Date.parse(release.createdAt)
      missing.push({ function: name, version, reason: deleted ? 'deleted' : 'pruned' })
    }
    return { ...release, restorable: missing.length === 0, missing }
  }))
}
