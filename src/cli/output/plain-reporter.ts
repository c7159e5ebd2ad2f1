import { formatWithOptions } from 'node:util'
import type { ConsolaReporter } from 'consola'
import { consola } from 'consola'
import { journalReporter, stdoutIsJournal } from './journal-reporter'

const PREFIX: Record<string, string> = { warn: 'Warning: ', error: 'Error: ', fatal: 'Error: ' }

/**
 * Lines for logs and pipes: the message as written, "Warning:" / "Error:" in front of those,
 * no icons, no badges, no colour; warnings and errors on stderr.
 */
export const plainReporter: ConsolaReporter = {
  log(logObj, ctx) {
    const message = formatWithOptions({ colors: false }, ...logObj.args)
    const tag = logObj.tag ? `[${logObj.tag}] ` : ''
    const stream = logObj.level < 2 ? ctx.options.stderr ?? process.stderr : ctx.options.stdout ?? process.stdout
    stream.write(`${tag}${PREFIX[logObj.type] ?? ''}${message}\n`)
  },
}

/** consola's icons and badges on a terminal, lines with their priority in the journal, plain lines everywhere else. */
export function useReporterForOutput(): void {
  if (stdoutIsJournal()) consola.setReporters([journalReporter])
  else if (!process.stdout.isTTY || process.env.TERM === 'dumb') consola.setReporters([plainReporter])
}
