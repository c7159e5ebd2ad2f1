import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'
import { printJson } from '../output/json-output'
import { printTable } from './_table'
import { jsonArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'releases', description: 'List releases: what each whole-project deploy or rollback made current' },
  args: { ...jsonArgs },
  async run({ json }) {
    const { releases } = await agentClientFromSettings().listReleases()
    if (json) return printJson(releases)
    printTable([
      ['RELEASE', 'CREATED', 'KIND', 'FUNCTIONS', 'RESTORABLE'],
      ...[...releases].reverse().map(r => [
        `#${r.id}`,
        r.createdAt,
        r.kind === 'rollback' ? `rollback to #${r.rollbackOf}${r.skipped?.length ? ` (${r.skipped.join(', ')} deleted)` : ''}` : r.partial ? 'deploy (partial)' : 'deploy',
        Object.entries(r.functions).map(([name, v]) => `${name}@v${v}`).join(' '),
        r.restorable ? 'yes' : `no: ${r.missing.map(m => `${m.function}@v${m.version} ${m.reason}`).join(', ')}`,
      ]),
    ])
  },
})
