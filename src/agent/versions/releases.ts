import type { ReleaseRollbackResult } from '../../api/admin-api'
import type { ApiKeyRecord, ReleaseRecord, VersionRecord } from '../../store/records'
import type { AgentContext } from '../context'
import { assertSecretsGranted } from '../auth/secret-grants'
import { warmVersion, withSwitch } from './activate-version'
import { pruneFunction, pruneReleases } from './prune'
import { releaseIncludesDeleted, releaseNotFound, releaseNotRestorable, releaseVersionUnknown } from './release-errors'
import { describeReleases } from './release-status'

/** Not a valid function name, so this lock never queues behind a function called "releases". */
const RELEASES_LOCK = ':releases'

async function nextReleaseId(ctx: AgentContext): Promise<number> {
  const releases = await ctx.functions.listReleases()
  return (releases.at(-1)?.id ?? 0) + 1
}

/**
 * Records what a whole-project deploy made current (`{ name: version }`, from its own outcomes; each
 * version must exist), then prunes old releases, and each function to its bound (`keepVersions`, when
 * given, is the project's: functions the deploy left unchanged take it on too). A list of names, from
 * an older CLI, records what is current now.
 */
export async function recordRelease(ctx: AgentContext, made: Record<string, number> | string[], partial: boolean, keepVersions?: number): Promise<ReleaseRecord> {
  return ctx.locks.run(RELEASES_LOCK, async () => {
    const functions: Record<string, number> = {}
    if (Array.isArray(made)) {
      for (const name of made) {
        const record = await ctx.functions.get(name)
        if (record?.currentVersion) functions[name] = record.currentVersion
      }
    }
    else {
      for (const [name, number] of Object.entries(made)) {
        if (!await ctx.functions.getVersion(name, number)) throw releaseVersionUnknown(name, number)
        functions[name] = number
      }
    }
    for (const name of Object.keys(functions).sort()) {
      const number = functions[name]!
      delete functions[name]
      functions[name] = number
    }
    const release: ReleaseRecord = { id: await nextReleaseId(ctx), createdAt: new Date().toISOString(), kind: 'deploy', partial, functions }
    await ctx.functions.putRelease(release)
    await pruneReleases(ctx)
    for (const name of Object.keys(functions)) {
      await ctx.locks.run(name, async () => {
        const record = await ctx.functions.get(name)
        if (record && keepVersions !== undefined && record.keepVersions !== keepVersions) await ctx.functions.put({ ...record, keepVersions })
        await pruneFunction(ctx, name)
      })
    }
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
 * so a crash in the middle is completed at the next start. A release with a pruned version is
 * refused; one with a since-deleted function rolls back the others only with `force`.
 */
export async function rollbackRelease(ctx: AgentContext, id: number | undefined, force: boolean, key: ApiKeyRecord): Promise<ReleaseRollbackResult> {
  return ctx.locks.run(RELEASES_LOCK, async () => {
    const releases = await ctx.functions.listReleases()
    const target = id === undefined ? releases.at(-2) : releases.find(r => r.id === id)
    if (!target) throw releaseNotFound(id, releases)
    const names = Object.keys(target.functions).sort()
    return ctx.locks.runAll(names, async () => {
      const [status] = await describeReleases(ctx, [target])
      const missing = status!.missing
      if (missing.some(m => m.reason === 'pruned')) {
        const kept: Record<string, number[]> = {}
        for (const m of missing) kept[m.function] = (await ctx.functions.listVersions(m.function)).map(v => v.number)
        throw releaseNotRestorable(target.id, missing, kept)
      }
      const skipped = missing.map(m => m.function)
      const restoring = names.filter(name => !skipped.includes(name))
      if (skipped.length > 0 && (!force || restoring.length === 0)) throw releaseIncludesDeleted(target.id, missing, restoring.length)

      const targets: VersionRecord[] = []
      const from: Record<string, number | null> = {}
      for (const name of restoring) {
        // Both exist: checked above, under the locks of every function involved.
        targets.push((await ctx.functions.getVersion(name, target.functions[name]!))!)
        from[name] = (await ctx.functions.get(name))!.currentVersion
      }
      // Switching code back on hands it its secrets again: only what this key may still give.
      for (const version of targets) assertSecretsGranted(key, version.function, version.config.env)
      await Promise.all(targets.map(version => warmVersion(ctx, version)))
      const functions = Object.fromEntries(restoring.map(name => [name, target.functions[name]!]))
      const release: ReleaseRecord = { id: await nextReleaseId(ctx), createdAt: new Date().toISOString(), kind: 'rollback', rollbackOf: target.id, partial: false, functions, ...(skipped.length > 0 ? { skipped } : {}) }
      await ctx.functions.putPendingSwitch({ release, at: release.createdAt })
      await applySwitches(ctx, release, targets)
      await ctx.functions.putRelease(release)
      await ctx.functions.clearPendingSwitch()
      return { release, from, skipped }
    })
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
