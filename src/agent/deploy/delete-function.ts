import type { AgentContext } from '../context'
import { functionNotFound } from '../routes/not-found'

/** Routes, instances, images and state of a function: all gone. */
export async function deleteFunction(ctx: AgentContext, name: string): Promise<{ name: string; versionsRemoved: number }> {
  return ctx.locks.run(name, async () => {
    const record = await ctx.functions.get(name)
    if (!record) throw functionNotFound(name, (await ctx.functions.list()).map(f => f.name))
    await ctx.serving.remove(name)
    const versions = await ctx.functions.listVersions(name)
    for (const version of versions) {
      await ctx.provider.removeImage(version.image).catch(() => {})
      await ctx.functions.removeVersion(name, version.number)
    }
    await ctx.functions.remove(name)
    return { name, versionsRemoved: versions.length }
  })
}
