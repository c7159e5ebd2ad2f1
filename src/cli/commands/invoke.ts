import { readFile } from 'node:fs/promises'
import { consola } from 'consola'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'

function parseHeaders(values: string | string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const value of [values ?? []].flat()) {
    const colon = value.indexOf(':')
    if (colon <= 0) throw new LambdaError({ code: 'INVALID_HEADER', status: 400, message: `-H "${value}" is not a header.`, hint: 'Write headers as -H "name: value".' })
    headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim()
  }
  return headers
}

export default defineLambdaCommand({
  meta: { name: 'invoke', description: 'Call a deployed function and print its response' },
  args: {
    name: { type: 'positional', required: true, description: 'Function name' },
    data: { type: 'string', alias: 'd', description: 'Request body: JSON text, or @file to send a file' },
    header: { type: 'string', alias: 'H', description: 'Request header "name: value" (repeatable)' },
    method: { type: 'string', alias: 'X', description: 'HTTP method (default: POST with --data, else GET)' },
    path: { type: 'string', description: 'Path and query for the function (default: /)', default: '/' },
    include: { type: 'boolean', alias: 'i', description: 'Print status and headers too', default: false },
  },
  async run({ args }) {
    const headers = parseHeaders(args.header as string | string[] | undefined)
    let body: string | Buffer | undefined
    const data = args.data
    if (data !== undefined) {
      if (data.startsWith('@')) {
        body = await readFile(data.slice(1)).catch((error) => {
          throw new LambdaError({ code: 'FILE_NOT_READABLE', status: 400, message: `Cannot read ${data.slice(1)}: ${error.message}`, hint: 'Pass --data @<existing file> or inline JSON.' })
        })
      }
      else {
        body = data
        headers['content-type'] ??= 'application/json'
      }
    }
    const path = args.path.startsWith('/') ? args.path : `/${args.path}`
    const response = await agentClientFromSettings().invoke(args.name, { method: args.method?.toUpperCase(), path, headers, body })
    const payload = Buffer.from(response._data as ArrayBuffer ?? new ArrayBuffer(0))
    if (args.include) {
      process.stderr.write(`HTTP ${response.status} ${response.statusText}\n`)
      for (const [name, value] of response.headers) process.stderr.write(`${name}: ${value}\n`)
      process.stderr.write('\n')
    }
    if (response.status >= 400) {
      const error = LambdaError.fromBody(safeJSON(payload), response.status)
      if (error) throw error
      process.stdout.write(payload)
      throw new LambdaError({ code: 'FUNCTION_ERROR_STATUS', status: response.status, message: `"${args.name}" answered ${response.status} ${response.statusText}.`, hint: 'The body above is the function\'s own answer.' })
    }
    process.stdout.write(payload)
    if (payload.length > 0 && payload[payload.length - 1] !== 0x0A && process.stdout.isTTY) process.stdout.write('\n')
    if (response.status >= 300) consola.warn(`Status ${response.status}`)
  },
})

function safeJSON(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'))
  }
  catch {
    return undefined
  }
}
