import { consola } from 'consola'
import { colors } from 'consola/utils'
import type { InvocationRecord } from '../proxy/invoke'

const palette = [colors.cyan, colors.magenta, colors.yellow, colors.blue, colors.green, colors.red]
const assigned = new Map<string, (text: string) => string>()

function colorFor(name: string) {
  let color = assigned.get(name)
  if (!color) {
    color = palette[assigned.size % palette.length]!
    assigned.set(name, color)
  }
  return color
}

export function functionPrefix(name: string): string {
  return colorFor(name)(`[${name}]`)
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

/** A function's own console output, each line prefixed with its name. */
export function logFunctionOutput(name: string, line: string, stream: 'stdout' | 'stderr') {
  write(stream, `${functionPrefix(name)} ${line}\n`)
}

function statusColor(status: number) {
  if (status >= 500) return colors.red
  if (status >= 400) return colors.yellow
  return colors.green
}

/** One line per invocation: method, path, status, duration. */
export function logInvocation(record: InvocationRecord) {
  if (consola.level < 3) return
  const duration = record.durationMs < 10 ? `${record.durationMs.toFixed(1)}ms` : `${Math.round(record.durationMs)}ms`
  const cold = record.coldStart ? colors.dim(' (cold start)') : ''
  const error = record.error ? colors.dim(` ${record.error}`) : ''
  write('stdout', `${functionPrefix(record.function)} ${record.method} ${record.path} ${statusColor(record.status)(String(record.status))} ${duration}${cold}${error}\n`)
}
