import type { EnvEntry } from '../../client/agent-client'
import { consola } from 'consola'
import { defineLambdaCommand } from '../define-command'
import { instancesCell, memoryCell } from '../instances-view'
import { formatRate } from '../metrics-view'
import { printJson } from '../output/json-output'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'
import { printTable } from './_table'

const envLine = (entry: EnvEntry) => entry.source === 'secret'
  ? `${entry.name}=secret('${entry.secret}')${entry.set ? '' : ' (not set on the agent)'}`
  : `${entry.name}=${entry.value ?? ''}`

export default defineLambdaCommand({
  meta: { name: 'list', description: 'List deployed functions' },
  args: {
    ...agentArgs,
    ...jsonArgs,
    'show-env': { type: 'boolean', description: 'Include plain env values (secret values are never shown)', default: false },
  },
  async run({ args, json }) {
    const showEnv = args['show-env']
    const functions = await agentClientFromArgs(args).listFunctions({ showEnv })
    if (json) return printJson(functions)
    if (functions.length === 0) {
      consola.info('No functions deployed yet. Deploy with `lambda deploy`.')
      return
    }
    // Last, so scripts that read the first columns keep working; '-' when the agent runs with --no-metrics.
    printTable([
      ['NAME', 'VERSION', 'STATE', 'URL', 'LAST DEPLOY', 'CALLS 1H', 'ERRORS 1H', 'INSTANCES', 'MEMORY'],
      ...functions.map(f => [f.name, `v${f.version}`, f.state, f.url, f.deployedAt, f.lastHour ? String(f.lastHour.invocations) : '-', f.lastHour ? `${f.lastHour.errors} (${formatRate(f.lastHour.errorRate)})` : '-', instancesCell(f), memoryCell(f)]),
    ])
    if (!showEnv) return
    for (const f of functions.filter(f => f.env.length > 0)) {
      process.stdout.write(`\n${f.name}:\n${f.env.map(entry => `  ${envLine(entry)}\n`).join('')}`)
    }
  },
})
