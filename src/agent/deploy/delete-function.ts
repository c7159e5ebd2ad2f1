import type { DeleteResult } from '../../api/admin-api'
import type { AgentContext } from '../context'
import { functionNotFound } from '../routes/not-found'

/**
 * Routes, instances, images and state of a function: all gone, except its version counter. The
 * tombstone is written first, so a crash part-way never lets a redeploy hand out a number again.
 */
export async function deleteFunction(ctx: AgentContext, name: string): Promise<DeleteResult> {
  return ctx.locks.run(name, async () => {
    const record = await ctx.functions.get(name)
    if (!record) throw functionNotFound(name, (await ctx.functions.list()).map(f => f.name))
    const earlier = await ctx.functions.getTombstone(name)
    const lastVersion = Math.max(record.lastVersion, earlier?.lastVersion ?? 0)
    await ctx.functions.putTombstone({ name, lastVersion, deletedAt: new Date().toISOString() })
    await ctx.serving.remove(name)
    const versions = await ctx.functions.listVersions(name)
    for (const version of versions) {
      await ctx.provider.removeImage(version.image).catch(() => {})
      await ctx.functions.removeVersion(name, version.number)
    }
    await ctx.functions.remove(name)
    return { name, versionsRemoved: versions.length, lastVersion }
  })
}
