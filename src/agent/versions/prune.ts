import type { ReleaseRecord } from '../../store/records'
import type { AgentContext } from '../context'

/** Versions that releases still point to: a release rollback must find them. */
function versionsInReleases(releases: ReleaseRecord[], name: string): Set<number> {
  const pinned = new Set<number>()
  for (const release of releases) {
    const version = release.functions[name]
    if (version !== undefined) pinned.add(version)
  }
  return pinned
}

/**
 * Keeps the newest `keepVersions` versions of a function, the current one, and any a kept release
 * points to; everything else goes: records, instances, prepared containers and images — including
 * images no record knows (a build the agent died in the middle of). Call it under the function's lock.
 * Callers pruning many functions pass the releases they already read.
 */
export async function pruneFunction(ctx: AgentContext, name: string, releases?: ReleaseRecord[]): Promise<number[]> {
  const record = await ctx.functions.get(name)
  if (!record) return []
  const versions = await ctx.functions.listVersions(name)
  const pinned = versionsInReleases(releases ?? await ctx.functions.listReleases(), name)
  const newest = new Set(versions.map(v => v.number).sort((a, b) => b - a).slice(0, Math.max(1, record.keepVersions)))
  const pruned: number[] = []
  for (const version of versions) {
    if (version.number === record.currentVersion || newest.has(version.number) || pinned.has(version.number)) continue
    await ctx.serving.forget(version)
    await ctx.provider.removeImage(version.image).catch(() => {})
    await ctx.functions.removeVersion(name, version.number)
    pruned.push(version.number)
  }
  const known = new Set(versions.map(v => v.number).filter(n => !pruned.includes(n)))
  for (const image of await ctx.provider.listImages?.(name) ?? []) {
    if (!known.has(image.version)) await ctx.provider.removeImage(image).catch(() => {})
  }
  return pruned
}

/** Keeps the newest `keepReleases` releases. */
export async function pruneReleases(ctx: AgentContext): Promise<number[]> {
  const releases = await ctx.functions.listReleases()
  const old = releases.slice(0, Math.max(0, releases.length - ctx.options.keepReleases))
  for (const release of old) await ctx.functions.removeRelease(release.id)
  return old.map(r => r.id)
}
