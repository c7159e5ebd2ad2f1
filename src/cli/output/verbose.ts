import type { ConsolaReporter } from 'consola'
import { subscribe } from 'node:diagnostics_channel'
import { performance } from 'node:perf_hooks'
import { consola, LogLevels } from 'consola'

/** The global flag: accepted anywhere before `--`, by every command (`lambda --verbose deploy`, `lambda deploy --verbose`). */
export const VERBOSE_FLAG = '--verbose'

let verbose = false

/** `--verbose` was given, or `LAMBDA_DEBUG` is set (the older spelling, kept). */
export const isVerbose = (): boolean => verbose || Boolean(process.env.LAMBDA_DEBUG)

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

interface UndiciRequest { method: string, origin: string, path: string }
const started = new WeakMap<object, number>()

/** Every HTTP request the CLI makes (the admin API, health checks), and its answer: method, URL, status, time; never a header. */
function traceHttp(): void {
  subscribe('undici:request:create', (message) => {
    const { request } = message as { request: UndiciRequest }
    started.set(request, performance.now())
    consola.debug(`→ ${request.method} ${request.origin}${request.path}`)
  })
  subscribe('undici:request:headers', (message) => {
    const { request, response } = message as { request: UndiciRequest, response: { statusCode: number } }
    consola.debug(`← ${response.statusCode} ${request.method} ${request.origin}${request.path} in ${Math.round(performance.now() - (started.get(request) ?? performance.now()))}ms`)
  })
  subscribe('undici:request:error', (message) => {
    const { request, error } = message as { request: UndiciRequest, error: Error }
    consola.debug(`✗ ${request.method} ${request.origin}${request.path}: ${error.message}`)
  })
}

/** `--verbose`: consola at debug level (on stderr), the HTTP trace, and errors with their stack and causes (print-error.ts). */
export function useVerboseOutput(): void {
  verbose = true
  consola.level = LogLevels.debug
  consola.setReporters(consola.options.reporters.map(debugToStderr))
  traceHttp()
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
