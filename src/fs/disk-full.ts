import { LambdaError } from '../errors'

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT'])

/** A write the disk refused for want of space (or quota), anywhere in the error's cause chain. */
export function isDiskFull(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code
    if (typeof code === 'string' && FULL_CODES.has(code)) return true
  }
  return false
}

export const FREE_SPACE_HINT = 'Free space on the agent\'s machine (`df -h <data dir>`; old images: `docker image prune`; logs: `lambda agent --log-max-mb`), then try again: the agent writes again as soon as there is room, no restart needed.'

/**
 * 507 Insufficient Storage: the machine's state, not a bug and not the client's mistake. Whoever throws it
 * has changed nothing (writes are atomic), so the same request succeeds once space is freed.
 */
export function diskFullError(what: string, where: string, cause?: unknown, code = 'DISK_FULL'): LambdaError {
  return new LambdaError({
    code,
    status: 507,
    message: `${what}: the disk holding ${where} is full. Nothing was changed.`,
    hint: FREE_SPACE_HINT,
    cause,
  })
}
