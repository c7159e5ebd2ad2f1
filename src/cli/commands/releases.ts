import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'
import { printTable } from './_table'

export default defineLambdaCommand({
  meta: { name: 'releases', description: 'List releases: what each whole-project deploy or rollback made current' },
  args: { json: { type: 'boolean', default: false, description: 'Print JSON' } },
  async run({ args }) {
    const { releases } = await agentClientFromSettings().listReleases()
    if (args.json) return void process.stdout.write(`${JSON.stringify(releases, null, 2)}\n`)
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
