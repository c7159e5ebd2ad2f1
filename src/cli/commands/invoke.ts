import type { AcceptedInvocation } from '../../api/admin-api'
import type { ValueType } from '../args/value-types'
import { STATUS_CODES } from 'node:http'
import { consola } from 'consola'
import { explainKeyRefusal } from '../../client/agent-errors'
import { isRedirect } from '../../client/refuse-redirects'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { isTextBody, responseJson, trailingNewline } from '../invoke-output'
import { printJson } from '../output/json-output'
import { readRequestBody } from '../request-body'
import { usageError } from '../usage-error'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'

/** The code of the 500 a function's runtime answers for an error the function threw (runtime/server.mjs). */
const THROWN_ERROR_CODE = 'FUNCTION_ERROR'

const httpMethod: ValueType<string> = { expected: 'an HTTP method such as GET or POST', example: 'POST', parse: raw => /^[A-Z]+$/i.test(raw) ? raw.toUpperCase() : undefined }

function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const value of values) {
    const colon = value.indexOf(':')
    if (colon <= 0) throw usageError({ code: 'INVALID_VALUE', message: `-H "${value}" is not a header.`, hint: 'Write headers as -H "name: value".' })
    headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim()
  }
  return headers
}

function safeJSON(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'))
  }
  catch {
    return undefined
  }
}

/** `; Location: /x`, what a 3xx points at (printed, never followed). */
const locationNote = (headers: Headers) => `; Location: ${headers.get('location') ?? '(none)'}`

/** The id on stdout (`id=$(lambda invoke fn --async)`), what to do with it on stderr. */
function printAccepted(name: string, accepted: AcceptedInvocation | undefined, json: boolean) {
  if (!accepted?.id) throw new LambdaError({ code: 'UNEXPECTED_RESPONSE', status: 502, message: `The agent answered 202 for "${name}" without an invocation id.`, hint: 'Is LAMBDA_HOST a Mini Lambda agent of this version? Check it with `lambda config show`.' })
  if (json) return printJson(accepted)
  process.stdout.write(`${accepted.id}\n`)
  process.stderr.write(`Accepted: "${name}" runs in the background. Follow it with \`lambda invocation ${accepted.id}\`.\n`)
}

export default defineLambdaCommand({
  meta: { name: 'invoke', description: 'Call a deployed function and print its response' },
  args: {
    name: { type: 'positional', required: true, description: 'Function name', completeWith: 'functions' },
    data: { type: 'string', alias: 'd', description: 'Request body: JSON text, @file to send a file, or @- to send stdin (files and stdin byte for byte)', valueHint: 'json|@file|@-' },
    header: { type: 'string', alias: 'H', multiple: true, description: 'Request header "name: value" (repeatable)', valueHint: 'name: value' },
    method: { type: 'string', alias: 'X', value: httpMethod, description: 'HTTP method (default: POST with --data, else GET)', valueHint: 'method' },
    path: { type: 'string', description: 'Path and query for the function (default: /)', default: '/', valueHint: 'path' },
    include: { type: 'boolean', alias: 'i', description: 'Print status and headers too (on stderr)', default: false },
    async: { type: 'boolean', description: 'Do not wait: the agent stores the call, answers 202 with an invocation id, and runs it in the background', default: false },
    ...agentArgs,
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    // fetch (and HTTP itself) gives GET and HEAD no body: say so before anything is sent.
    if (args.data !== undefined && (values.method === 'GET' || values.method === 'HEAD')) {
      throw usageError({
        code: 'CONFLICTING_ARGUMENTS',
        message: `-X ${values.method} sends no body, and --data gives one.`,
        hint: `Drop -X ${values.method} (with --data the method is POST), choose a method with a body (-X PUT, PATCH…), or put the data in the query: --path '/?name=value'.`,
      })
    }
    const headers = parseHeaders(values.header)
    let body: string | Buffer | undefined
    if (args.data !== undefined) {
      const data = await readRequestBody(args.data)
      body = data.body
      if (data.contentType) headers['content-type'] ??= data.contentType
    }
    const path = args.path.startsWith('/') ? args.path : `/${args.path}`
    if (args.async) headers['x-lambda-invocation-type'] = 'Event'
    const client = agentClientFromArgs(args)
    const response = await client.invoke(args.name, { method: values.method, path, headers, body })
    const payload = Buffer.from(response._data as ArrayBuffer ?? new ArrayBuffer(0))
    const requestId = response.headers.get('x-request-id')
    if (args.include) {
      process.stderr.write(`HTTP ${response.status} ${response.statusText}\n`)
      for (const [name, value] of response.headers) process.stderr.write(`${name}: ${value}\n`)
      process.stderr.write('\n')
    }
    const seen = `HTTP ${response.status} ${response.statusText || STATUS_CODES[response.status] || ''}`.trimEnd() + (requestId ? `, request id ${requestId}` : '')
    if (response.status >= 400) {
      const bodyError = LambdaError.fromBody(safeJSON(payload), response.status)
      // A thrown error is the function's answer too (its runtime writes the 500), not the agent refusing.
      const thrown = bodyError?.code === THROWN_ERROR_CODE
      const agentError = thrown || !bodyError ? undefined : explainKeyRefusal(client.connection, bodyError)
      const response_ = { status: response.status, requestId, response: responseJson(args.name, response, payload) }
      const answerHint = json ? 'The function\'s answer is under "response".' : 'The body above is the function\'s own answer.'
      // The agent's own error (no such function, timed out…), or the function's answer.
      const error = agentError
        ? new LambdaError({ code: agentError.code, status: agentError.status, message: `${agentError.message} (${seen})`, hint: agentError.hint, data: { ...agentError.data, status: response.status, requestId } })
        : thrown
          ? new LambdaError({ code: THROWN_ERROR_CODE, status: response.status, message: `"${args.name}" threw an error: ${bodyError!.message} (${seen}).`, hint: `${answerHint} Its stack is in the function's logs: \`lambda logs ${args.name}${requestId ? ` --request ${requestId.slice(0, 8)}` : ''}\`.`, data: response_ })
          : new LambdaError({ code: 'FUNCTION_ERROR_STATUS', status: response.status, message: `"${args.name}" answered ${seen}.`, hint: answerHint, data: response_ })
      if (!agentError && !json) {
        process.stdout.write(payload)
        process.stdout.write(trailingNewline(payload, isTextBody(response.headers.get('content-type'), payload), process.stdout.isTTY === true))
      }
      throw error
    }
    if (args.async) {
      if (response.status === 202) return printAccepted(args.name, safeJSON(payload) as AcceptedInvocation | undefined, json)
      throw new LambdaError({
        code: 'UNEXPECTED_RESPONSE',
        status: 502,
        message: `The agent answered ${seen} instead of 202 Accepted for an asynchronous call to "${args.name}"${isRedirect(response.status) ? `${locationNote(response.headers)} (not followed)` : ''}.`,
        hint: 'Is this address a Mini Lambda agent of this version? Check it with `lambda config show`.',
        data: { status: response.status, requestId },
      })
    }
    // A 3xx is the function's answer: shown, and never followed (it would take the key elsewhere).
    if (isRedirect(response.status)) consola.warn(`"${args.name}" answered ${seen}${locationNote(response.headers)} (not followed: the CLI sends your API key only to the agent).`)
    if (json) return printJson(responseJson(args.name, response, payload))
    process.stdout.write(payload)
    process.stdout.write(trailingNewline(payload, isTextBody(response.headers.get('content-type'), payload), process.stdout.isTTY === true))
    if (response.status >= 300 && !isRedirect(response.status)) consola.warn(`Status ${seen}`)
  },
})
