import { stripVTControlCharacters } from 'node:util'

/** Control characters but the tab: C0 (newline included: this is one line), DEL and C1. */

const CONTROL = /[\x00-\x08\x0A-\x1F\x7F-\x9F]/g
/** Half of a surrogate pair without its other half: not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * One line of output someone else wrote (a Docker build step, the daemon) as plain text for a log:
 * terminal escape sequences removed, a progress line redrawn with carriage returns reduced to what a
 * terminal shows last, any other control character written out as `\xNN`. journald stores a message
 * holding any of them as a binary blob, which `journalctl` shows as "[… blob data]".
 */
export function printableLine(line: string): string {
  const shown = stripVTControlCharacters(line).split('\r').filter(part => part !== '').pop() ?? ''
  return shown
    .replace(CONTROL, char => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(LONE_SURROGATE, '\uFFFD')
}
