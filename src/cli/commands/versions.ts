import { consola } from 'consola'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'
import { printTable } from './_table'

export default defineLambdaCommand({
  meta: { name: 'versions', description: 'List the kept versions of a function' },
  args: {
    name: { type: 'positional', required: true, description: 'Function name', completeWith: 'functions' },
    ...agentArgs,
    ...jsonArgs,
    history: { type: 'boolean', default: false, description: 'Also show what was current when' },
  },
  async run({ args, json }) {
    const info = await agentClientFromArgs(args).listVersions(args.name)
    if (json) return printJson(info)
    printTable([
      ['VERSION', 'CURRENT', 'HASH', 'CREATED', 'IMAGE'],
      ...[...info.versions].reverse().map(v => [`v${v.number}`, v.current ? '*' : '', v.hash.slice(0, 12), v.createdAt, v.image]),
    ])
    if (args.history) {
      consola.log('')
      printTable([['AT', 'VERSION', 'BY'], ...info.history.map(h => [h.at, `v${h.version}`, h.action === 'release-rollback' ? `release rollback to #${h.release}` : h.action])])
    }
  },
})
