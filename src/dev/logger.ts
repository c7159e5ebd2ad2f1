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

/** A function's own console output, each line prefixed with its name. */
export function logFunctionOutput(name: string, line: string, stream: 'stdout' | 'stderr') {
  const text = `${functionPrefix(name)} ${line}\n`
  if (stream === 'stderr') process.stderr.write(text)
  else process.stdout.write(text)
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
  process.stdout.write(`${functionPrefix(record.function)} ${record.method} ${record.path} ${statusColor(record.status)(String(record.status))} ${duration}${cold}${error}\n`)
}
