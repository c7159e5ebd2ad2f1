import type { ValueType } from '../args/value-types'
import { isSince, SINCE_EXPECTED } from '../../agent/metrics/since'
import { defineLambdaCommand } from '../define-command'
import { printMetrics } from '../metrics-view'
import { printJson } from '../output/json-output'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'

const since: ValueType<string> = { expected: SINCE_EXPECTED, example: '15m', parse: raw => isSince(raw) ? raw : undefined }

export default defineLambdaCommand({
  meta: { name: 'metrics', description: 'Invocations, errors by class, cold starts, durations and concurrency per function' },
  args: {
    name: { type: 'positional', required: false, description: 'Only this function, per version (default: every function)', completeWith: 'functions' },
    since: { type: 'string', value: since, description: 'Window start: 90s, 15m, 1h, 1d or an ISO time (default: 1h; at most 24h back)', valueHint: 'when' },
    ...agentArgs,
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    const result = await agentClientFromArgs(args).metrics({ name: args.name, since: values.since })
    if (json) return printJson(result)
    printMetrics(result, args.name !== undefined)
  },
})
