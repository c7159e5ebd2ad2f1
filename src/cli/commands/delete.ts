import { consola } from 'consola'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'

export default defineLambdaCommand({
  meta: { name: 'delete', description: 'Delete a deployed function: routes, containers, images and state' },
  args: {
    name: { type: 'positional', required: true, description: 'Function name' },
    yes: { type: 'boolean', alias: 'y', description: 'Do not ask for confirmation', default: false },
  },
  async run({ args }) {
    const client = agentClientFromSettings()
    if (!args.yes) {
      if (!process.stdin.isTTY) {
        throw new LambdaError({ code: 'CONFIRMATION_REQUIRED', status: 400, message: `Deleting "${args.name}" needs confirmation, and there is no terminal to ask.`, hint: `Run \`lambda delete ${args.name} --yes\`.` })
      }
      const ok = await consola.prompt(`Delete function "${args.name}" with all its versions from ${client.connection.host}?`, { type: 'confirm', initial: false })
      if (ok !== true) {
        consola.info('Nothing deleted.')
        return
      }
    }
    const result = await client.deleteFunction(args.name)
    consola.success(`Deleted "${result.name}" (${result.versionsRemoved} version(s)).`)
  },
})
