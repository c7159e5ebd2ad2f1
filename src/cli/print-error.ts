import { consola } from 'consola'
import { colors } from 'consola/utils'
import { LambdaError } from '../errors'
import { errorDocument, printJson } from './output/json-output'

/** A failed command: message and hint for people, or the error document on stdout with `--json`. */
export function printError(error: unknown, opts: { json?: boolean } = {}) {
  if (opts.json) return printJson(errorDocument(error))
  if (LambdaError.is(error)) {
    consola.error(error.message)
    if (error.hint) process.stderr.write(`${colors.dim(`  ${error.hint}`)}\n`)
    if (process.env.LAMBDA_DEBUG && error.cause) console.error(error.cause)
    return
  }
  consola.error(error)
}
