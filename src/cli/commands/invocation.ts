import type { AcceptedInvocation, InvocationDetail } from '../../api/admin-api'
import type { ValueType } from '../args/value-types'
import { INVOCATION_ID_RE } from '../../api/admin-api'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'

const invocationId: ValueType<string> = { expected: 'an invocation id (a UUID, as `lambda invocations` lists them)', example: '3f2b8c1e-9d4a-4f6b-8e2c-1a5d7b9c0e3f', parse: raw => INVOCATION_ID_RE.test(raw) ? raw.toLowerCase() : undefined }
const idArg = { id: { type: 'positional', required: true, value: invocationId, description: 'Invocation id' } } as const

const line = (label: string, value: string) => process.stdout.write(`${`${label.padEnd(10)} ${value}`.trimEnd()}\n`)

function printDetail(inv: InvocationDetail) {
  line('Invocation', `${inv.id} of "${inv.function}"${inv.version !== undefined ? ` (version ${inv.version})` : ''}`)
  line('Status', inv.failure ? `${inv.status}: ${inv.failure.message}` : inv.nextAttemptAt ? `${inv.status}, next attempt at ${inv.nextAttemptAt}` : inv.status)
  if (inv.replayOf) line('Replays', inv.replayOf)
  line('Accepted', inv.acceptedAt)
  if (inv.finishedAt) line('Finished', inv.finishedAt)
  line('Request', `${inv.request.method} ${inv.request.path} (${inv.request.bodyBytes} bytes)`)
  if (inv.attempts.length > 0) {
    line('Attempts', '')
    for (const a of inv.attempts) {
      process.stdout.write(`  #${a.number}  ${a.startedAt}  ${a.status}  ${a.durationMs.toFixed(1)} ms${a.version !== undefined ? `  v${a.version}` : ''}${a.error ? `  ${a.error.code}: ${a.error.message}` : ''}\n`)
    }
  }
  if (inv.callback) {
    const tries = `${inv.callback.attempts} ${inv.callback.attempts === 1 ? 'try' : 'tries'}`
    line('Callback', `${inv.callback.url}: ${inv.callback.status}${inv.callback.responseStatus ? ` (${inv.callback.responseStatus})` : ''} after ${tries}${inv.callback.error ? `; ${inv.callback.error}` : ''}`)
  }
  if (inv.result) {
    line('Result', `${inv.result.status}${inv.result.truncated ? ' (body cut short)' : ''}${inv.result.bodyEncoding === 'base64' ? ' (binary body, base64)' : ''}`)
    if (inv.result.body) process.stdout.write(`${inv.result.body}${inv.result.body.endsWith('\n') ? '' : '\n'}`)
  }
}

function printAccepted(accepted: AcceptedInvocation, json: boolean) {
  if (json) return printJson(accepted)
  process.stdout.write(`${accepted.id}\n`)
  process.stderr.write(`Replaying ${accepted.replayOf} as invocation ${accepted.id} of "${accepted.function}". Follow it with \`lambda invocation ${accepted.id}\`.\n`)
}

export default defineLambdaCommand({
  meta: { name: 'invocation', description: 'Show one asynchronous invocation: status, every attempt, the result' },
  args: { ...idArg, ...agentArgs, ...jsonArgs },
  subCommands: {
    replay: () => Promise.resolve(defineLambdaCommand({
      meta: { name: 'replay', description: 'Run a finished invocation\'s call again, as a new invocation (e.g. a failed one, once the function is fixed)' },
      args: { ...idArg, ...agentArgs, ...jsonArgs },
      async run({ args, values, json }) {
        printAccepted(await agentClientFromArgs(args).replayInvocation(values.id!), json)
      },
    })),
  },
  async run({ args, values, json }) {
    const detail = await agentClientFromArgs(args).getInvocation(values.id!)
    if (json) return printJson(detail)
    printDetail(detail)
  },
})
