import type { RemoveSecretResult, SecretsOverview, SetSecretResult } from '../../api/admin-api'
import type { VersionRecord } from '../../store/records'
import type { AgentContext } from '../context'
import { secretNamesOf } from '../../config/secret'
import { LambdaError } from '../../errors'

/** Deployed functions (their current versions) that refer to each secret. */
function usage(ctx: AgentContext): Map<string, string[]> {
  const users = new Map<string, string[]>()
  for (const fn of ctx.serving.names()) {
    for (const secret of secretNamesOf(ctx.serving.get(fn)?.version.config.env)) users.set(secret, [...(users.get(secret) ?? []), fn])
  }
  return users
}

export function listSecrets(ctx: AgentContext): SecretsOverview {
  const users = usage(ctx)
  const secrets = ctx.secrets.list().map(info => ({ ...info, usedBy: users.get(info.name) ?? [] }))
  const missing = [...users].filter(([name]) => !ctx.secrets.has(name)).map(([name, usedBy]) => ({ name, usedBy }))
  return { secrets, missing }
}

/** New instances, with the new environment, for every kept version that refers to the secret. */
async function recycleUsers(ctx: AgentContext, secret: string): Promise<string[]> {
  const recycled: string[] = []
  const uses = (version: VersionRecord) => secretNamesOf(version.config.env).includes(secret)
  // A deploy or rollback running now (its function's lock is held) may be starting instances that use
  // it: wait for it, then replace them too.
  const busy = ctx.locks.held().filter(key => !key.startsWith('secret:'))
  for (const fn of new Set([...ctx.serving.names(), ...busy])) {
    if (!busy.includes(fn) && !ctx.serving.keptVersions(fn).some(uses)) continue
    const versions = await ctx.locks.run(fn, () => ctx.serving.recycle(fn, uses))
    if (versions.length > 0) recycled.push(fn)
  }
  return recycled
}

export async function setSecret(ctx: AgentContext, name: string, value: string): Promise<SetSecretResult> {
  return ctx.locks.run(`secret:${name}`, async () => {
    const info = await ctx.secrets.set(name, value)
    return { ...info, recycled: await recycleUsers(ctx, name) }
  })
}

export async function removeSecret(ctx: AgentContext, name: string, force: boolean): Promise<RemoveSecretResult> {
  return ctx.locks.run(`secret:${name}`, async () => {
    if (!ctx.secrets.has(name)) {
      const known = ctx.secrets.list().map(s => s.name)
      throw new LambdaError({ code: 'SECRET_NOT_FOUND', status: 404, message: `No secret named "${name}" is set. Set: ${known.length > 0 ? known.join(', ') : '(none)'}.`, hint: 'See them with `lambda secrets list`.' })
    }
    const usedBy = usage(ctx).get(name) ?? []
    if (usedBy.length > 0 && !force) {
      throw new LambdaError({
        code: 'SECRET_IN_USE',
        status: 409,
        message: `Secret "${name}" is used by deployed function(s): ${usedBy.join(', ')}. Removing it would start their new instances without it.`,
        hint: `Deploy them without secret('${name}') first, or remove it anyway with \`lambda secrets rm ${name} --yes\`.`,
        data: { usedBy },
      })
    }
    await ctx.secrets.remove(name)
    return { name, removed: true, usedBy, recycled: await recycleUsers(ctx, name) }
  })
}
