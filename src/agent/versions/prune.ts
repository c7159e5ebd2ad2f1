import type { FunctionRecord, VersionRecord } from '../../store/records'
import type { AgentContext } from '../context'

/**
 * The versions a function keeps: the current one plus the newest others, `keepVersions` in all.
 * Releases pin nothing: `keepVersions` is the bound, and a release that points to a pruned version
 * is reported as not restorable instead (see release-status.ts).
 */
export function keptVersionNumbers(record: FunctionRecord, versions: VersionRecord[]): Set<number> {
  const limit = Math.max(1, record.keepVersions)
  const hasCurrent = versions.some(v => v.number === record.currentVersion)
  const others = versions.map(v => v.number).filter(n => n !== record.currentVersion).sort((a, b) => b - a)
  return new Set([...(hasCurrent ? [record.currentVersion!] : []), ...others].slice(0, limit))
}

/**
 * Removes every version past the bound: records, instances, prepared containers and images —
 * including images no record knows (a build the agent died in the middle of). Call it under the
 * function's lock.
 */
export async function pruneFunction(ctx: AgentContext, name: string): Promise<number[]> {
  const record = await ctx.functions.get(name)
  if (!record) return []
  const versions = await ctx.functions.listVersions(name)
  const kept = keptVersionNumbers(record, versions)
  const pruned: number[] = []
  for (const version of versions) {
    if (kept.has(version.number)) continue
    await ctx.serving.forget(version)
    await ctx.provider.removeImage(version.image).catch(() => {})
    await ctx.functions.removeVersion(name, version.number)
    pruned.push(version.number)
  }
  for (const image of await ctx.provider.listImages?.(name) ?? []) {
    if (!kept.has(image.version)) await ctx.provider.removeImage(image).catch(() => {})
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
