import { consola } from 'consola'
import { colors } from 'consola/utils'
import { LambdaError } from '../errors'

export function printError(error: unknown) {
  if (LambdaError.is(error)) {
    consola.error(error.message)
    if (error.hint) console.error(colors.dim(`  ${error.hint}`))
    if (process.env.LAMBDA_DEBUG && error.cause) console.error(error.cause)
    return
  }
  consola.error(error)
}
