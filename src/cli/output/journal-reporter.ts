import type { ConsolaReporter } from 'consola'
import { fstatSync } from 'node:fs'
import { formatWithOptions } from 'node:util'
import { printableLine } from '../../log/printable-line'

/**
 * sd-daemon(3) priorities by consola level: journald reads `<N>` at the start of each line it gets on
 * stdout as that line's priority (err, warning, info, debug), so `journalctl -p warning` finds them.
 */
const PRIORITY_BY_LEVEL = [3, 4, 6, 6, 7, 7] as const
const PREFIX: Record<string, string> = { warn: 'Warning: ', error: 'Error: ', fatal: 'Error: ' }

export const journalPriority = (level: number) => PRIORITY_BY_LEVEL[Math.max(0, Math.min(level, 5))]!

/** Text as journal lines of one priority: every line prefixed (journald splits at newlines) and printable. */
export function journalLines(priority: number, text: string): string {
  return text.split('\n').map(line => `<${priority}>${printableLine(line)}\n`).join('')
}

/**
 * Whether stdout goes to the journal: systemd says so in JOURNAL_STREAM ("<device>:<inode>" of the
 * stream it connected), which a program compares with its own stdout (systemd.exec(5)).
 */
export function stdoutIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const [device, inode] = (env.JOURNAL_STREAM ?? '').split(':')
  if (!device || !inode) return false
  try {
    const stat = fstatSync(1)
    return String(stat.dev) === device && String(stat.ino) === inode
  }
  catch {
    return false
  }
}

/** Lines for the journal: each with its priority, as text, all on stdout so they keep their order. */
export const journalReporter: ConsolaReporter = {
  log(logObj) {
    const message = formatWithOptions({ colors: false }, ...logObj.args)
    const tag = logObj.tag ? `[${logObj.tag}] ` : ''
    process.stdout.write(journalLines(journalPriority(logObj.level), `${tag}${PREFIX[logObj.type] ?? ''}${message}`))
  },
}
