import type { AgentContext } from './context'
import { finishPendingSwitch } from './versions/releases'
import { pruneFunction } from './versions/prune'

/**
 * Brings the gateway back to what the store says, after a clean stop or a kill -9 alike: a release
 * rollback cut short is completed, every kept version is routable, every current version serves,
 * and images of unfinished builds are removed.
 */
export async function restoreState(ctx: AgentContext): Promise<string[]> {
  await finishPendingSwitch(ctx)
  const restored: string[] = []
  const releases = await ctx.functions.listReleases()
  for (const record of await ctx.functions.list()) {
    for (const version of await ctx.functions.listVersions(record.name)) {
      if (version.number === record.currentVersion) {
        ctx.serving.switchTo(version)
        restored.push(record.name)
      }
      else {
        ctx.serving.keep(version)
      }
    }
    await pruneFunction(ctx, record.name, releases)
  }
  return restored
}
