import { consola } from 'consola'
import { LambdaError } from '../../errors'

/** `--json`: stdout holds exactly one JSON document, so everything said for people goes to stderr. */
export function useJsonOutput(): void {
  consola.options.stdout = process.stderr
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** `{ "error": { code, message, hint, …data } }`: the admin API's error shape, for a failed command. */
export function errorDocument(error: unknown): unknown {
  if (LambdaError.is(error)) return error.toJSON()
  return { error: { code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) } }
}
