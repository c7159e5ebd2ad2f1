import { consola } from 'consola'
import { assertFunctionName } from '../../config/function-name'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { printSchedules } from '../schedule-view'
import { asUsageError } from '../usage-error'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'schedules', description: 'List the schedules on the agent: source (config or cli), state and next three run times' },
  args: {
    name: { type: 'positional', required: false, description: 'Only the schedules of this function', completeWith: 'functions' },
    ...agentArgs,
    ...jsonArgs,
  },
  async run({ args, json }) {
    if (args.name) asUsageError(() => assertFunctionName(args.name!))
    const schedules = await agentClientFromArgs(args).listSchedules(args.name)
    if (json) return printJson({ schedules })
    if (schedules.length === 0) {
      consola.info(`No schedules${args.name ? ` for "${args.name}"` : ''}. Add one in lambda.config.ts (schedule: '0 6 * * *') or with \`lambda schedule <fn> --cron "<expr>"\`.`)
      return
    }
    printSchedules(schedules)
  },
})
