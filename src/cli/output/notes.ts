import type { ConsolaInstance } from 'consola'
import { consola } from 'consola'

/**
 * consola for what is said about the work while it happens ("Deploying 2 function(s) to …", a note
 * on the side): the same look as consola, on stderr, so that stdout holds only the results.
 * Made when asked for, after run-cli.ts chose the reporters.
 */
export function progressNotes(): ConsolaInstance {
  return consola.create({ stdout: process.stderr })
}
