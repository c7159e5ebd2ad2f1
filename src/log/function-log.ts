import type { InvocationRecord } from '../proxy/invoke'
import { consola } from 'consola'
import { colors } from 'consola/utils'
import { parseAttributedLine, shortRequestId } from './attributed-line'

const palette = [colors.cyan, colors.magenta, colors.yellow, colors.blue, colors.green, colors.red]
// Built once per function: the prefix is on every log line.
const prefixes = new Map<string, string>()

export function functionPrefix(name: string): string {
  let prefix = prefixes.get(name)
  if (prefix === undefined) {
    prefix = palette[prefixes.size % palette.length]!(`[${name}]`)
    prefixes.set(name, prefix)
  }
  return prefix
}

// Under load one write per line is one syscall per request; lines are gathered and written once per tick.
const pending = { stdout: [] as string[], stderr: [] as string[] }
let flushScheduled = false

function write(stream: 'stdout' | 'stderr', line: string) {
  pending[stream].push(line)
  if (flushScheduled) return
  flushScheduled = true
  setImmediate(() => {
    flushScheduled = false
    for (const name of ['stdout', 'stderr'] as const) {
      if (pending[name].length === 0) continue
      process[name].write(pending[name].join(''))
      pending[name] = []
    }
  })
}

/** The request a line belongs to, as people read it: the first 8 characters of its id, dimmed. */
const requestTag = (requestId: string) => colors.dim(shortRequestId(requestId))

/**
 * A function's own console output, each line prefixed with its name and, when printed while serving
 * a request, that request's id (the runtime's mark, taken off): `[hello] 1f0c2a3b message`.
 */
export function logFunctionOutput(name: string, line: string, stream: 'stdout' | 'stderr') {
  const { requestId, text } = parseAttributedLine(line)
  write(stream, `${functionPrefix(name)} ${requestId ? `${requestTag(requestId)} ` : ''}${text}\n`)
}

const statusTexts = new Map<number, string>()
function statusText(status: number): string {
  let text = statusTexts.get(status)
  if (text === undefined) {
    text = (status >= 500 ? colors.red : status >= 400 ? colors.yellow : colors.green)(String(status))
    statusTexts.set(status, text)
  }
  return text
}
const coldMark = colors.dim(' (cold start)')

/** One line per invocation: request id, method, path, status, duration (the id lines up with the output's). */
export function logInvocation(record: InvocationRecord) {
  if (consola.level < 3) return
  const duration = record.durationMs < 10 ? `${record.durationMs.toFixed(1)}ms` : `${Math.round(record.durationMs)}ms`
  const error = record.error ? colors.dim(` ${record.error}`) : ''
  write('stdout', `${functionPrefix(record.function)} ${requestTag(record.requestId)} ${record.method} ${record.path} ${statusText(record.status)} ${duration}${record.coldStart ? coldMark : ''}${error}\n`)
}
