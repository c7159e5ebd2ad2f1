import type { VersionRecord } from '../../store/records'
import { LambdaError } from '../../errors'

export function versionNotFound(name: string, wanted: number, kept: VersionRecord[], lastVersion: number): LambdaError {
  const available = kept.map(v => `v${v.number}`).join(', ') || '(none)'
  const pruned = wanted <= lastVersion
  return new LambdaError({
    code: 'VERSION_NOT_FOUND',
    status: 404,
    message: `Function "${name}" has no version ${wanted}${pruned ? ' any more (it was pruned, or its deploy failed)' : ''}. Available: ${available}.`,
    hint: `Roll back to one of ${available} (\`lambda versions ${name}\` lists them), or raise deploy.keepVersions to keep more.`,
    data: { available: kept.map(v => v.number) },
  })
}
