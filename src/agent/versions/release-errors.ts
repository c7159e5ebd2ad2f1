import type { MissingVersion } from '../../api/admin-api'
import type { ReleaseRecord } from '../../store/records'
import { LambdaError } from '../../errors'

/** "a", "a and b", "a, b and c" */
const and = (items: string[]) => items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`

export function releaseNotFound(id: number | undefined, releases: ReleaseRecord[]): LambdaError {
  const available = releases.map(r => `#${r.id}`).join(', ') || '(none)'
  return new LambdaError({
    code: 'RELEASE_NOT_FOUND',
    status: 404,
    message: id === undefined ? `There is no earlier release to roll back to. Releases: ${available}.` : `There is no release #${id}. Releases: ${available}.`,
    hint: 'List them with `lambda releases`; whole-project deploys create them.',
  })
}

/** Some versions of the release were pruned: restoring the rest would make a project state that never existed. */
export function releaseNotRestorable(id: number, missing: MissingVersion[], kept: Record<string, number[]>): LambdaError {
  const pruned = missing.filter(m => m.reason === 'pruned')
  const deleted = missing.filter(m => m.reason === 'deleted')
  const keeps = pruned.map(m => `${m.function} keeps ${kept[m.function]?.map(v => `v${v}`).join(', ') || 'no version'}`).join('; ')
  const parts = [`${and(pruned.map(m => `${m.function} v${m.version}`))} ${pruned.length === 1 ? 'is' : 'are'} no longer kept (${keeps})`]
  if (deleted.length > 0) parts.push(`${and(deleted.map(m => m.function))} ${deleted.length === 1 ? 'has' : 'have'} been deleted`)
  return new LambdaError({
    code: 'RELEASE_NOT_RESTORABLE',
    status: 409,
    message: `Release #${id} cannot be restored: ${parts.join(', and ')}. Each function keeps only its newest deploy.keepVersions versions.`,
    hint: `Roll back to a release that \`lambda releases\` shows as restorable, or one function to a kept version (\`lambda rollback ${pruned[0]!.function} <version>\`). To keep more versions from now on, raise deploy.keepVersions in lambda.config.ts.`,
    data: { release: id, missing },
  })
}

/** Only deleted functions stand in the way: the others can be rolled back if the caller says so. */
export function releaseIncludesDeleted(id: number, deleted: MissingVersion[], others: number): LambdaError {
  const names = and(deleted.map(m => m.function))
  const plural = deleted.length > 1
  return new LambdaError({
    code: 'RELEASE_INCLUDES_DELETED',
    status: 409,
    message: others === 0
      ? `Every function of release #${id} (${names}) has been deleted since: there is nothing to roll back.`
      : `Release #${id} includes ${names}, which ${plural ? 'have' : 'has'} been deleted since (\`lambda delete\` removed ${and(deleted.map(m => `${m.function} v${m.version}`))}); a rollback cannot bring ${plural ? 'them' : 'it'} back. Nothing was changed.`,
    hint: others === 0
      ? 'Deploy the project again with `lambda deploy`.'
      : `Run \`lambda rollback --release ${id} --force\` to roll back the other ${others === 1 ? 'function' : `${others} functions`} and leave ${names} as ${plural ? 'they are' : 'it is'} (deleted, or as deployed again since; admin API: {"id":${id},"force":true}).`,
    data: { release: id, deleted: deleted.map(m => m.function) },
  })
}

/** A release names a version the agent does not have: the request is wrong, nothing was recorded. */
export function releaseVersionUnknown(name: string, version: number): LambdaError {
  return new LambdaError({
    code: 'RELEASE_VERSION_UNKNOWN',
    status: 400,
    message: `A release cannot name ${name} v${version}: the agent has no such version.`,
    hint: 'Record what a deploy made current; `lambda deploy` does it for you.',
    data: { function: name, version },
  })
}
