import type { ConsolaReporter } from 'consola'
import { consola, LogLevels } from 'consola'
import { traceHttpRequests } from './http-trace'

/** The global flag: accepted anywhere before `--`, by every command (`lambda --verbose deploy`, `lambda deploy --verbose`). */
export const VERBOSE_FLAG = '--verbose'

let verbose = false

/** `LAMBDA_DEBUG` set to anything but empty, `0` or `false`: the older spelling of `--verbose`, kept, and the same in every way. */
export const debugFromEnv = (): boolean => !['', '0', 'false'].includes((process.env.LAMBDA_DEBUG ?? '').trim().toLowerCase())

/** `--verbose` was given, or `LAMBDA_DEBUG` is set. */
export const isVerbose = (): boolean => verbose || debugFromEnv()

/** The command line without `--verbose` (before `--`, where it is a flag), and whether it was there. */
export function takeVerboseFlag(rawArgs: string[]): { rawArgs: string[], verbose: boolean } {
  const end = rawArgs.indexOf('--')
  const isFlag = (arg: string, i: number) => (end === -1 || i < end) && (arg === VERBOSE_FLAG || arg === `${VERBOSE_FLAG}=true` || arg === `${VERBOSE_FLAG}=false`)
  const last = rawArgs.findLast(isFlag)
  return { rawArgs: rawArgs.filter((arg, i) => !isFlag(arg, i)), verbose: last !== undefined && last !== `${VERBOSE_FLAG}=false` }
}

/** Debug lines are for people, like progress: on stderr, whatever the reporter (stdout keeps the results). */
function debugToStderr(reporter: ConsolaReporter): ConsolaReporter {
  return {
    log: (logObj, ctx) => reporter.log(logObj, logObj.level >= LogLevels.debug ? { options: { ...ctx.options, stdout: ctx.options.stderr ?? process.stderr } } : ctx),
  }
}

/** `--verbose`: consola at debug level (on stderr), the HTTP trace, and errors with their stack and causes (print-error.ts). */
export function useVerboseOutput(): void {
  verbose = true
  consola.level = LogLevels.debug
  consola.setReporters(consola.options.reporters.map(debugToStderr))
  traceHttpRequests()
}

/** An error's stack, then each cause's (`cause` chains, and the errors of an AggregateError), for `--verbose`. */
export function describeErrorChain(error: unknown): string {
  const lines: string[] = []
  const seen = new Set<unknown>()
  const visit = (value: unknown, label: string) => {
    if (value === undefined || seen.has(value)) return
    seen.add(value)
    const text = value instanceof Error ? value.stack ?? `${value.name}: ${value.message}` : String(value)
    const code = (value as { code?: unknown })?.code
    lines.push(`${label}${text}${code !== undefined && !text.includes(String(code)) ? ` (code ${String(code)})` : ''}`)
    if (value instanceof AggregateError) value.errors.forEach((inner, i) => visit(inner, `Error ${i + 1} of ${value.errors.length}: `))
    if (value instanceof Error) visit(value.cause, 'Caused by: ')
  }
  visit(error, '')
  return lines.join('\n')
}
