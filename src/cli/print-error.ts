import { consola } from 'consola'
import { colors } from 'consola/utils'
import { LambdaError } from '../errors'
import { journalLines, stdoutIsJournal } from './output/journal-reporter'
import { errorDocument, printJson } from './output/json-output'
import { describeErrorChain, isVerbose } from './output/verbose'

/**
 * A failed command: message and hint for people, or the error document on stdout with `--json`.
 * With `--verbose` (or LAMBDA_DEBUG) the stack and every cause follow on stderr.
 */
export function printError(error: unknown, opts: { json?: boolean } = {}) {
  const verbose = isVerbose()
  if (opts.json) {
    printJson(errorDocument(error))
  }
  else if (LambdaError.is(error)) {
    consola.error(error.message)
    // In the journal the hint is part of the error: `journalctl -p err` shows both.
    if (error.hint) process.stderr.write(stdoutIsJournal() ? journalLines(3, `  ${error.hint}`) : `${colors.dim(`  ${error.hint}`)}\n`)
  }
  // Not a LambdaError: a bug or an unforeseen failure, printed with its stack.
  else {
    consola.error(verbose && error instanceof Error ? error.message : error)
  }
  if (verbose) process.stderr.write(`${colors.dim(describeErrorChain(error))}\n`)
}
