import type { InvocationStatus, InvocationSummary } from '../../api/admin-api'
import { consola } from 'consola'
import { INVOCATION_STATUSES } from '../../api/admin-api'
import { wholeNumber } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'
import { printTable } from './_table'

const outcomeOf = (inv: InvocationSummary) => inv.resultStatus === undefined ? '-' : String(inv.resultStatus)
const whenOf = (inv: InvocationSummary) => inv.finishedAt ?? (inv.nextAttemptAt ? `retry at ${inv.nextAttemptAt}` : '-')

export default defineLambdaCommand({
  meta: { name: 'invocations', description: 'List asynchronous invocations, newest first (--status failed: the dead-letter list)' },
  args: {
    name: { type: 'positional', required: false, description: 'Only this function\'s', completeWith: 'functions' },
    status: { type: 'enum', options: [...INVOCATION_STATUSES], description: 'Only those in this state: queued, running, retrying, succeeded or failed' },
    limit: { type: 'string', value: wholeNumber({ min: 1, max: 1000, unit: 'invocations', example: 100 }), description: 'At most this many (default: 100)', valueHint: 'count' },
    ...agentArgs,
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    const listing = await agentClientFromArgs(args).listInvocations({ function: args.name, status: args.status as InvocationStatus | undefined, limit: values.limit })
    if (json) return printJson(listing)
    const scope = args.name ? `"${args.name}"` : 'any function'
    if (listing.invocations.length === 0) {
      consola.info(`No ${args.status ? `${args.status} ` : ''}asynchronous invocations of ${scope} are kept. Make one with \`lambda invoke <fn> --async\`.`)
    }
    else {
      printTable([
        ['ID', 'FUNCTION', 'STATUS', 'ATTEMPTS', 'RESULT', 'ACCEPTED', 'FINISHED'],
        ...listing.invocations.map(inv => [inv.id, inv.version !== undefined ? `${inv.function}@v${inv.version}` : inv.function, inv.status, String(inv.attemptCount), outcomeOf(inv), inv.acceptedAt, whenOf(inv)]),
      ])
    }
    const counts = INVOCATION_STATUSES.map(status => `${listing.counts[status]} ${status}`).join(', ')
    consola.info(`Kept for ${scope}: ${counts}.`)
  },
})
