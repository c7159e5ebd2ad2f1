import type { RollbackResult } from '../../api/admin-api'
import type { ApiKeyRecord } from '../../store/records'
import type { AgentContext } from '../context'
import { LambdaError } from '../../errors'
import { assertSecretsGranted } from '../auth/secret-grants'
import { functionURL } from '../options'
import { functionNotFound } from '../routes/not-found'
import { activateVersion } from './activate-version'
import { versionNotFound } from './version-errors'

/**
 * Switches a function to a kept version, by default the newest one older than the current:
 * no rebuild, the image is there; a fresh instance must answer before traffic moves.
 */
export async function rollbackFunction(ctx: AgentContext, name: string, to: number | undefined, key: ApiKeyRecord): Promise<RollbackResult> {
  const started = performance.now()
  return ctx.locks.run(name, async () => {
    const record = await ctx.functions.get(name)
    if (!record) throw functionNotFound(name, (await ctx.functions.list()).map(f => f.name))
    const kept = await ctx.functions.listVersions(name)
    let target = to === undefined ? undefined : kept.find(v => v.number === to)
    if (to === undefined) {
      target = kept.filter(v => record.currentVersion === null || v.number < record.currentVersion).at(-1)
      if (!target) {
        throw new LambdaError({
          code: 'NO_PREVIOUS_VERSION',
          status: 409,
          message: `Function "${name}" has no version older than v${record.currentVersion} to roll back to. Available: ${kept.map(v => `v${v.number}`).join(', ')}.`,
          hint: `Name a version: \`lambda rollback ${name} <version>\`.`,
        })
      }
    }
    if (!target) throw versionNotFound(name, to!, kept, record.lastVersion)
    const from = record.currentVersion
    // Switching code back on hands it its secrets again: only what this key may still give.
    if (target.number !== from) assertSecretsGranted(key, name, target.config.env)
    if (target.number !== from) await activateVersion(ctx, record, target, 'rollback')
    return { name, from, to: target.number, url: functionURL(ctx.options, name), durationMs: Math.round(performance.now() - started) }
  })
}
