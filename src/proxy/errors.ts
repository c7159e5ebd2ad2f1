import type { InstanceExit } from '../instances/types'
import { LambdaError } from '../errors'
import { describeExit } from '../instances/startup-error'

/**
 * Where to read what a function printed for one request, as a phrase after "what it printed":
 * `lambda logs` on the agent, the terminal under `lambda dev`.
 */
export type OutputPointer = (name: string, requestId: string) => string

export const agentLogsPointer: OutputPointer = (name, requestId) => `with \`lambda logs ${name} --request ${requestId}\``

/**
 * `output`: where the request's output is (an OutputPointer's phrase), when known. `replaced`: the
 * instance was stopped for it (not when the request spent its time waiting in the queue).
 */
export function timeoutError(name: string, timeoutMs: number, output?: string, replaced = true): LambdaError {
  return new LambdaError({
    code: 'FUNCTION_TIMEOUT',
    status: 504,
    message: `Function "${name}" did not answer within its ${timeoutMs / 1000} s timeout${replaced ? '; its instance was stopped and will be replaced' : ''}.`,
    hint: `Find what keeps it busy (an endless loop, a promise that never settles)${output ? `, reading what it printed ${output}` : ''}, or raise functions.${name}.timeout in lambda.config.ts.`,
    data: { function: name },
  })
}

export function crashError(name: string, memory: number, exit: InstanceExit | undefined, retiredFor?: string, output?: string): LambdaError {
  if (exit?.oomKilled) {
    return new LambdaError({
      code: 'FUNCTION_OUT_OF_MEMORY',
      status: 502,
      message: `Function "${name}" hit its memory limit of ${memory} MB and was killed while handling the request.`,
      hint: `Use less memory per request, or raise functions.${name}.memory in lambda.config.ts.${output ? ` See what it printed ${output}.` : ''}`,
      data: { function: name },
    })
  }
  if (retiredFor === 'timeout') {
    return new LambdaError({
      code: 'FUNCTION_TIMEOUT',
      status: 504,
      message: `Function "${name}" was stopped because a request to the same instance ran past its timeout.`,
      hint: `Find what blocks the function, or raise functions.${name}.timeout.`,
      data: { function: name },
    })
  }
  return new LambdaError({
    code: 'FUNCTION_CRASHED',
    status: 502,
    message: exit
      ? `Function "${name}" crashed while handling the request: its instance ${describeExit(exit)}.`
      : `Function "${name}" closed the connection without answering.`,
    hint: output
      ? `See what it printed ${output} for the cause (an uncaught exception, process.exit()); the next request starts a fresh instance.`
      : 'Look at the function\'s output for the cause (an uncaught exception, process.exit()); the next request starts a fresh instance.',
    data: { function: name },
  })
}

/** The runtime broke the link's protocol (link-frames.ts): its instance is stopped, as after a crash. */
export function malformedResponseError(name: string, reason: string): LambdaError {
  return new LambdaError({
    code: 'FUNCTION_CRASHED',
    status: 502,
    message: `Function "${name}" ${reason} on its link to the agent, which only its runtime could have sent; its instance was stopped and will be replaced.`,
    hint: 'Something in the function wrote to the runtime\'s connection to the agent. Do not touch file descriptors the function did not open.',
    data: { function: name },
  })
}
