import { LambdaError } from '../../errors'
import type { ReleaseRecord, VersionRecord } from '../../store/records'
import type { AgentContext } from '../context'
import { functionNotFound } from '../routes/not-found'
import { warmVersion, withSwitch } from './activate-version'
import { pruneFunction, pruneReleases } from './prune'
import { versionNotFound } from './version-errors'

async function nextReleaseId(ctx: AgentContext): Promise<number> {
  const releases = await ctx.functions.listReleases()
  return (releases.at(-1)?.id ?? 0) + 1
}

/** Records what a whole-project deploy made current for `names`, then prunes old releases and versions. */
export async function recordRelease(ctx: AgentContext, names: string[], partial: boolean): Promise<ReleaseRecord> {
  return ctx.locks.run('releases', async () => {
    const functions: Record<string, number> = {}
    for (const name of [...names].sort()) {
      const record = await ctx.functions.get(name)
      if (record?.currentVersion) functions[name] = record.currentVersion
    }
    const release: ReleaseRecord = { id: await nextReleaseId(ctx), createdAt: new Date().toISOString(), kind: 'deploy', partial, functions }
    await ctx.functions.putRelease(release)
    await pruneReleases(ctx)
    const kept = await ctx.functions.listReleases()
    for (const name of Object.keys(functions)) await ctx.locks.run(name, () => pruneFunction(ctx, name, kept))
    return release
  })
}

/** Applies a release's switches; also used to finish one that a crash interrupted. */
async function applySwitches(ctx: AgentContext, release: ReleaseRecord, targets: VersionRecord[]): Promise<void> {
  for (const version of targets) {
    const record = await ctx.functions.get(version.function)
    if (!record) continue
    if (record.currentVersion !== version.number) await ctx.functions.put(withSwitch(record, version.number, 'release-rollback', release.rollbackOf))
    ctx.serving.switchTo(version)
  }
}

/**
 * Puts the whole project back to a release in one step: every target version is checked and
 * started first (nothing switches if one fails), then all switch. The switches are journaled,
 * so a crash in the middle is completed at the next start.
 */
export async function rollbackRelease(ctx: AgentContext, id?: number): Promise<{ release: ReleaseRecord; from: Record<string, number | null> }> {
  const releases = await ctx.functions.listReleases()
  const target = id === undefined ? releases.at(-2) : releases.find(r => r.id === id)
  if (!target) {
    const available = releases.map(r => `#${r.id}`).join(', ') || '(none)'
    throw new LambdaError({
      code: 'RELEASE_NOT_FOUND',
      status: 404,
      message: id === undefined ? `There is no earlier release to roll back to. Releases: ${available}.` : `There is no release #${id}. Releases: ${available}.`,
      hint: 'List them with `lambda releases`; whole-project deploys create them.',
    })
  }
  const names = Object.keys(target.functions).sort()
  return ctx.locks.runAll(names, async () => {
    const targets: VersionRecord[] = []
    const from: Record<string, number | null> = {}
    for (const name of names) {
      const record = await ctx.functions.get(name)
      if (!record) throw functionNotFound(name, (await ctx.functions.list()).map(f => f.name))
      const version = await ctx.functions.getVersion(name, target.functions[name]!)
      if (!version) throw versionNotFound(name, target.functions[name]!, await ctx.functions.listVersions(name), record.lastVersion)
      targets.push(version)
      from[name] = record.currentVersion
    }
    await Promise.all(targets.map(version => warmVersion(ctx, version)))
    const release: ReleaseRecord = { id: await nextReleaseId(ctx), createdAt: new Date().toISOString(), kind: 'rollback', rollbackOf: target.id, partial: false, functions: target.functions }
    await ctx.functions.putPendingSwitch({ release, at: release.createdAt })
    await applySwitches(ctx, release, targets)
    await ctx.functions.putRelease(release)
    await ctx.functions.clearPendingSwitch()
    return { release, from }
  })
}

/** At start-up: a release rollback that a crash cut short is completed (its targets were proven to start). */
export async function finishPendingSwitch(ctx: AgentContext): Promise<ReleaseRecord | undefined> {
  const pending = await ctx.functions.getPendingSwitch()
  if (!pending) return undefined
  const targets: VersionRecord[] = []
  for (const [name, number] of Object.entries(pending.release.functions)) {
    const version = await ctx.functions.getVersion(name, number)
    if (version) targets.push(version)
  }
  await applySwitches(ctx, pending.release, targets)
  await ctx.functions.putRelease(pending.release)
  await ctx.functions.clearPendingSwitch()
  return pending.release
}
