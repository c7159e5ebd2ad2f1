import type { H3 } from 'h3'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { toNodeHandler } from 'h3'
import { LambdaError } from '../errors'
import { errorResponse, jsonResponse } from './error-response'

/**
 * Takes a request ahead of h3, or returns false to leave it to h3. For the gateway's hot path: a
 * function's request then costs no web Request, H3Event or middleware chain (a sizeable share of the
 * gateway's CPU per request), and the admin API keeps h3.
 */
export type NodeFastPath = (req: IncomingMessage, res: ServerResponse) => boolean

/** The node:http handler for `app`, with `fastPath` in front of it. */
export function toNodeHandlerWithFastPath(app: H3, fastPath?: NodeFastPath): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = toNodeHandler(app) as unknown as (req: IncomingMessage, res: ServerResponse) => void
  if (!fastPath) return handler
  return (req, res) => {
    if (!fastPath(req, res)) handler(req, res)
  }
}

/**
 * Finishes a request the fast path took: `answer` is what the handler returned (a Response to send,
 * or undefined when it wrote the response itself), or the error it threw, sent as h3 would send it.
 */
export function finishFastPath(res: ServerResponse, outcome: Promise<Response | undefined | void>): void {
  outcome.then(answer => (answer ? writeResponse(res, answer) : void res.end()), error => writeResponse(res, answerFor(error)))
    .catch(() => res.destroy())
}

/** As h3 answers: a LambdaError as itself (h3 would wrap it; errorResponse unwraps a `cause`), anything else as errorResponse does. */
function answerFor(error: unknown): Response {
  return LambdaError.is(error) ? jsonResponse(error.toJSON(), error.status) : errorResponse(error)
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  // An error after the head went out: the client can only learn of it by the cut.
  if (res.headersSent) return void res.destroy()
  const body = Buffer.from(await response.arrayBuffer())
  const headers: string[] = []
  for (const [name, value] of response.headers) headers.push(name, value)
  res.writeHead(response.status, headers)
  res.end(body)
}
