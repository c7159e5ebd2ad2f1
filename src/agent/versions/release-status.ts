import type { MissingVersion, ReleaseListing } from '../../api/admin-api'
import type { ReleaseRecord } from '../../store/records'
import type { AgentContext } from '../context'

/** Kept version numbers per function, null for a deleted one; read once per function, however many releases. */
function keptVersionsReader(ctx: AgentContext) {
  const cache = new Map<string, Promise<Set<number> | null>>()
  return (name: string) => {
    let kept = cache.get(name)
    if (!kept) {
      kept = ctx.functions.get(name).then(async record => record ? new Set((await ctx.functions.listVersions(name)).map(v => v.number)) : null)
      cache.set(name, kept)
    }
    return kept
  }
}

/**
 * Checks each release against what the agent has now. Computed at each read rather than stored:
 * a prune, a delete or a redeploy changes it, and a stored flag could only go stale.
 */
export async function describeReleases(ctx: AgentContext, releases: ReleaseRecord[]): Promise<ReleaseListing[]> {
  const keptVersions = keptVersionsReader(ctx)
  return Promise.all(releases.map(async (release) => {
    const missing: MissingVersion[] = []
    for (const [name, version] of Object.entries(release.functions)) {
      const kept = await keptVersions(name)
      if (!kept) missing.push({ function: name, version, reason: 'deleted' })
      else if (!kept.has(version)) missing.push({ function: name, version, reason: 'pruned' })
    }
    return { ...release, restorable: missing.length === 0, missing }
  }))
}
