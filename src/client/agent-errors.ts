import type { Connection } from './connection'
import { FetchError } from 'ofetch'
import { LambdaError } from '../errors'
import { seconds } from './timeouts'

const HOST_SOURCE_NOTES: Record<Connection['hostSource'], string> = {
  '--host': ' (this command\'s --host wins over both)',
  'LAMBDA_HOST': ' (LAMBDA_HOST is set and wins over the settings file)',
  'settings': ', LAMBDA_HOST or --host',
}

export const setHostHint = (conn: Connection) => `Set where it runs with \`lambda config set-host <url>\`${HOST_SOURCE_NOTES[conn.hostSource]}.`

/** Why a request got no answer at all: a timeout, nothing listening, an unknown name, no route. */
function unreachable(conn: Connection, error: FetchError, timeoutMs: number): LambdaError {
  const cause = error.cause as { name?: string, code?: string, message?: string, cause?: { code?: string, message?: string } } | undefined
  if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError') {
    return new LambdaError({
      code: 'AGENT_TIMEOUT',
      status: 504,
      message: `The agent at ${conn.host} did not answer within ${seconds(timeoutMs)}.`,
      hint: `Something at ${conn.host} took the connection but sent nothing back: is that a Mini Lambda agent, and is it running well? Check with \`curl ${conn.host}/_lambda/health\`. ${setHostHint(conn)}`,
      cause: error,
    })
  }
  // fetch's own message (`fetch failed`) says nothing: its cause does (`ECONNREFUSED`, or `bad port` for a port fetch refuses).
  const code = cause?.cause?.code ?? cause?.code ?? cause?.cause?.message ?? cause?.message ?? error.message
  return new LambdaError({
    code: 'AGENT_UNREACHABLE',
    status: 503,
    message: `Could not reach the agent at ${conn.host} (${code}).`,
    hint: `Is \`lambda agent\` running there and reachable from here? ${setHostHint(conn)}`,
    cause: error,
  })
}

const KEY_REFUSALS = new Set(['INVALID_API_KEY', 'API_KEY_REQUIRED'])

/**
 * The agent's 401 says what is wrong with the key; only the CLI knows where that key came from (--key,
 * LAMBDA_API_KEY, the settings file, none), so the hint is the CLI's: fix the key where it was given.
 */
export function explainKeyRefusal(conn: Connection, error: LambdaError): LambdaError {
  if (!KEY_REFUSALS.has(error.code)) return error
  const makeOne = 'The agent printed the first key when it first started; make more on its machine with `lambda agent keys create`.'
  const hint = {
    '--key': `The key given with --key is not one the agent at ${conn.host} accepts: check it, or leave --key out to use LAMBDA_API_KEY or the saved key.`,
    'LAMBDA_API_KEY': `LAMBDA_API_KEY holds a key the agent at ${conn.host} does not accept: fix it, or unset it to use the key saved with \`lambda config set-key\`.`,
    'settings': `The key saved${conn.context && conn.context !== 'default' ? ` in context "${conn.context}"` : ''} for ${conn.host} is not accepted: save a valid one with \`lambda config set-key <key>\`. ${makeOne}`,
    'none': `No API key is set for ${conn.host}: save one with \`lambda config set-key <key>\` (or set LAMBDA_API_KEY, or pass --key). ${makeOne}`,
  }[conn.keySource ?? 'none']
  return new LambdaError({ code: error.code, status: error.status, message: error.message, hint, data: error.data })
}

/** Turns ofetch failures into LambdaErrors: the agent's own error body, a stranger's answer, or no answer. */
export function fromFetchFailure(conn: Connection, error: unknown, timeoutMs: number): LambdaError {
  if (error instanceof FetchError) {
    if (error.response) {
      const agentError = LambdaError.fromBody(error.data, error.response.status)
      if (agentError) return explainKeyRefusal(conn, agentError)
      return new LambdaError({
        code: 'AGENT_ERROR',
        status: error.response.status,
        message: `The agent at ${conn.host} answered ${error.response.status} ${error.response.statusText}.`,
        hint: 'Is that address a Mini Lambda agent? Check it with `lambda config show`.',
      })
    }
    return unreachable(conn, error, timeoutMs)
  }
  return LambdaError.is(error) ? error : new LambdaError({ code: 'CLIENT_ERROR', status: 500, message: `Talking to the agent at ${conn.host} failed: ${(error as Error).message}`, cause: error })
}

/** The same error without its cause: a failed request to store a secret carries the value in its options. */
export function withoutCause(error: unknown): unknown {
  if (!LambdaError.is(error)) return error
  return new LambdaError({ code: error.code, status: error.status, message: error.message, hint: error.hint, data: error.data })
}
