import { consola } from 'consola'
import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'
import { printTable } from './_table'

export default defineLambdaCommand({
  meta: { name: 'list', description: 'List deployed functions' },
  args: {
    json: { type: 'boolean', description: 'Print JSON', default: false },
  },
  async run({ args }) {
    const functions = await agentClientFromSettings().listFunctions()
    if (args.json) {
      process.stdout.write(`${JSON.stringify(functions, null, 2)}\n`)
      return
    }
    if (functions.length === 0) {
      consola.info('No functions deployed yet. Deploy with `lambda deploy`.')
      return
    }
    printTable([['NAME', 'VERSION', 'STATE', 'URL', 'LAST DEPLOY'], ...functions.map(f => [f.name, `v${f.version}`, f.state, f.url, f.deployedAt])])
  },
})
