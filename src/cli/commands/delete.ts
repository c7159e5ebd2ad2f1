import { consola } from 'consola'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { usageError } from '../usage-error'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'delete', description: 'Delete a deployed function: routes, containers, images and state' },
  args: {
    name: { type: 'positional', required: true, description: 'Function name', completeWith: 'functions' },
    yes: { type: 'boolean', alias: 'y', description: 'Do not ask for confirmation', default: false },
    ...agentArgs,
    ...jsonArgs,
  },
  async run({ args, json }) {
    const client = agentClientFromArgs(args)
    if (!args.yes) {
      if (!process.stdin.isTTY || json) {
        throw usageError({ code: 'CONFIRMATION_REQUIRED', message: `Deleting "${args.name}" needs confirmation, and there is ${json ? 'no one to ask with --json' : 'no terminal to ask'}.`, hint: `Run \`lambda delete ${args.name} --yes\`.` })
      }
      const ok = await consola.prompt(`Delete function "${args.name}" with all its versions from ${client.connection.host}?`, { type: 'confirm', initial: false })
      if (ok !== true) {
        consola.info('Nothing deleted.')
        return
      }
    }
    const result = await client.deleteFunction(args.name)
    if (json) return printJson(result)
    consola.success(`Deleted "${result.name}" (${result.versionsRemoved} version(s)); a redeploy continues at v${result.lastVersion + 1}.`)
  },
})
