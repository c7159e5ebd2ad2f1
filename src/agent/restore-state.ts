import type { VersionRecord } from '../store/records'
import type { AgentContext } from './context'
import { consola } from 'consola'
import { pruneFunction } from './versions/prune'
import { finishPendingSwitch } from './versions/releases'

/**
 * Brings the gateway back to what the store says, after a clean stop or a kill -9 alike: a release
 * rollback cut short is completed, every kept version is routable, every current version serves,
 * images made by an older agent are brought up to date, and images of unfinished builds are removed.
 */
export async function restoreState(ctx: AgentContext): Promise<string[]> {
  await finishPendingSwitch(ctx)
  const restored: string[] = []
  for (const record of await ctx.functions.list()) {
    for (const stored of await ctx.functions.listVersions(record.name)) {
      const version = await upgradeVersion(ctx, stored)
      if (version.number === record.currentVersion) {
        ctx.serving.switchTo(version)
        restored.push(record.name)
      }
      else {
        ctx.serving.keep(version)
      }
    }
    await pruneFunction(ctx, record.name)
  }
  return restored
}

/** A version whose image an older agent built gets it rebuilt for this one (once: the record is updated). */
async function upgradeVersion(ctx: AgentContext, version: VersionRecord): Promise<VersionRecord> {
  if (!ctx.provider.upgradeImage) return version
  try {
    const image = await ctx.provider.upgradeImage(version.image, version.kind)
    if (!image) return version
    const upgraded = { ...version, image }
    await ctx.functions.putVersion(upgraded)
    consola.info(`Upgraded the image of ${version.function} v${version.number} to this agent's runtime.`)
    return upgraded
  }
  catch (error) {
    consola.warn(`Could not upgrade the image of ${version.function} v${version.number}: ${(error as Error).message}. Deploy it again.`)
    return version
  }
}
