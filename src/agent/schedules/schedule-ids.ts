import type { ResolvedSchedule } from '../../config/schema/schedule'
import { createHash, randomBytes } from 'node:crypto'
import { stableJSON } from '../../build/hash'

/**
 * `cfg-<12 hex>` for a schedule of `lambda.config.ts`, `cli-<12 base36>` for one added with the CLI:
 * safe in a URL path, a store key and a log line, and never a name a user chose.
 */
export const SCHEDULE_ID_RE = /^(?:cfg-[0-9a-f]{12}|cli-[0-9a-z]{12})$/

/**
 * The id of a config schedule follows from what it does: the function, the expression, the time zone
 * and the payload (plus how many identical ones come before it in the list). The same schedule keeps
 * its id, and so its history and pause, across deploys that change something else and across
 * rollbacks; reordering the list changes nothing. `enabled`, `overlap` and `catchUp` are settings of
 * the schedule, not what it is.
 */
export function configScheduleId(fn: string, schedule: ResolvedSchedule, occurrence: number): string {
  const identity = stableJSON({ fn, cron: schedule.cron, timezone: schedule.timezone, payload: schedule.payload, occurrence })
  return `cfg-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

/** A random id for a schedule added with the CLI (about 62 bits). */
export function newCliScheduleId(): string {
  // 252 = 7 × 36: bytes below it map evenly onto base-36 digits.
  let id = ''
  while (id.length < 12) {
    for (const byte of randomBytes(16)) {
      if (byte < 252 && id.length < 12) id += BASE36[byte % 36]
    }
  }
  return `cli-${id}`
}
