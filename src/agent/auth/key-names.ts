/** Key names are labels in listings and error messages: short, printable, safe in a terminal. */
export const KEY_NAME_RE = /^[\w.-]{1,64}$/

/** The problem with `value` as a key name, or undefined when it is fine. */
export function keyNameProblem(value: unknown): { problem: string, hint: string } | undefined {
  if (typeof value === 'string' && KEY_NAME_RE.test(value)) return undefined
  const suggestion = typeof value === 'string' ? value.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) : ''
  return {
    problem: typeof value !== 'string'
      ? 'must be a string'
      : value.length === 0 ? 'must not be empty' : value.length > 64 ? `must be at most 64 characters long (it has ${value.length})` : 'may only hold letters, digits, ".", "_" and "-"',
    hint: `Name keys with 1 to 64 letters, digits, ".", "_" or "-", e.g. ${suggestion ? `"${suggestion}"` : '"ci"'}.`,
  }
}
