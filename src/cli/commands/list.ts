import { consola } from 'consola'
import type { EnvEntry } from '../../client/agent-client'
import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'
import { printTable } from './_table'

const envLine = (entry: EnvEntry) => entry.source === 'secret'
  ? `${entry.name}=secret('${entry.secret}')${entry.set ? '' : ' (not set on the agent)'}`
  : `${entry.name}=${entry.value ?? ''}`

export default defineLambdaCommand({
  meta: { name: 'list', description: 'List deployed functions' },
  args: {
    'json': { type: 'boolean', description: 'Print JSON', default: false },
    'show-env': { type: 'boolean', description: 'Include plain env values (secret values are never shown)', default: false },
  },
  async run({ args }) {
    const showEnv = args['show-env']
    const functions = await agentClientFromSettings().listFunctions({ showEnv })
    if (args.json) {
      process.stdout.write(`${JSON.stringify(functions, null, 2)}\n`)
      return
    }
    if (functions.length === 0) {
      consola.info('No functions deployed yet. Deploy with `lambda deploy`.')
      return
    }
    printTable([['NAME', 'VERSION', 'STATE', 'URL', 'LAST DEPLOY'], ...functions.map(f => [f.name, `v${f.version}`, f.state, f.url, f.deployedAt])])
    if (!showEnv) return
    for (const f of functions.filter(f => f.env.length > 0)) {
      process.stdout.write(`\n${f.name}:\n${f.env.map(entry => `  ${envLine(entry)}\n`).join('')}`)
    }
  },
})
