import type { IncomingMessage } from 'node:http'
import { LambdaError } from '../../errors'

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun'

const TYPES: Record<string, InvocationType> = { requestresponse: 'RequestResponse', event: 'Event', dryrun: 'DryRun' }

/**
 * `X-Lambda-Invocation-Type`, as AWS Lambda's `InvocationType`: `RequestResponse` (the default: wait for
 * the answer), `Event` (store the call, answer 202, run it in the background) or `DryRun` (check that
 * the call would be let in, run nothing: 204).
 */
export function invocationTypeOf(req: IncomingMessage): InvocationType {
  const raw = req.headers['x-lambda-invocation-type']
  if (raw === undefined) return 'RequestResponse'
  const type = typeof raw === 'string' ? TYPES[raw.trim().toLowerCase()] : undefined
  if (type) return type
  throw new LambdaError({
    code: 'BAD_INVOCATION_TYPE',
    status: 400,
    message: `X-Lambda-Invocation-Type ${JSON.stringify(String(raw).slice(0, 64))} is not an invocation type.`,
    hint: 'Send Event (answer 202 at once, run in the background), RequestResponse (the default) or DryRun.',
  })
}
