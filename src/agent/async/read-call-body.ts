import type { IncomingMessage } from 'node:http'
import { LambdaError } from '../../errors'
import { readBoundedBody } from '../../http/read-bounded-body'
import { ASYNC_LIMITS } from './async-limits'

function tooLarge(maxBytes: number): LambdaError {
  return new LambdaError({
    code: 'ASYNC_BODY_TOO_LARGE',
    status: 413,
    message: `An asynchronous call's body may be at most ${maxBytes / 1024} KB (it is stored until the call has run).`,
    hint: 'Send a smaller body (a reference to the data, e.g. a URL, instead of the data), or call the function synchronously, without X-Lambda-Invocation-Type: Event.',
    data: { maxBytes },
  })
}

/** Reads the body of a call to store; past the limit the answer is 413 and the rest is left unread. */
export function readCallBody(req: IncomingMessage, maxBytes: number = ASYNC_LIMITS.maxBodyBytes): Promise<Buffer> {
  return readBoundedBody(req, maxBytes, {
    tooLarge: () => tooLarge(maxBytes),
    interrupted: error => new LambdaError({ code: 'BAD_REQUEST', status: 400, message: `The request body was interrupted (${error.message}); nothing was accepted.`, hint: 'Send the whole call again.' }),
  })
}
