import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'
import { printTable } from './_table'

export default defineLambdaCommand({
  meta: { name: 'releases', description: 'List releases: what each whole-project deploy or rollback made current' },
  args: { ...agentArgs, ...jsonArgs },
  async run({ args, json }) {
    const { releases } = await agentClientFromArgs(args).listReleases()
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
