import { LambdaError } from '../../errors'

/** Checks and converts one field of a JSON body; throws a 400 naming the field, the value and the fix. */
export type BodyField<T> = (value: unknown, name: string) => T

export function badRequest(message: string, hint: string, data?: Record<string, unknown>): LambdaError {
  return new LambdaError({ code: 'BAD_REQUEST', status: 400, message, hint, data })
}

/** A value quoted in an error, never a megabyte of it. */
export function preview(value: unknown): string {
  // JSON.stringify says null for Infinity (what JSON.parse makes of 1e400): say what the number is.
  const text = typeof value === 'number' || value === undefined ? String(value) : JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} characters)` : text
}

export function badField(name: string, value: unknown, problem: string, hint: string): LambdaError {
  return badRequest(`Field "${name}" ${problem}, not ${preview(value)}.`, hint, { field: name })
}

/** Absent (or JSON null) is undefined; anything else must pass `field`. */
export function optional<T>(field: BodyField<T>): BodyField<T | undefined> {
  return (value, name) => value === undefined || value === null ? undefined : field(value, name)
}

/** A whole number from 1, as a number or as text with an optional prefix (`"v3"`, `"#3"`), as the CLI accepts it. */
export function positiveInt(opts: { prefix?: RegExp, hint: string }): BodyField<number> {
  return (value, name) => {
    const n = typeof value === 'string' ? (/^\s*$/.test(value) ? Number.NaN : Number(value.replace(opts.prefix ?? /^$/, ''))) : value
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw badField(name, value, 'must be a positive whole number', opts.hint)
    return n
  }
}

export const boolean: BodyField<boolean> = (value, name) => {
  if (typeof value !== 'boolean') throw badField(name, value, 'must be true or false', `Send "${name}": true or "${name}": false.`)
  return value
}

/** An array of at most `max` items, each checked by `item` (reported as `name[i]`). */
export function list<T>(item: BodyField<T>, opts: { max: number, hint: string }): BodyField<T[]> {
  return (value, name) => {
    if (!Array.isArray(value)) throw badField(name, value, 'must be an array', opts.hint)
    if (value.length > opts.max) throw badRequest(`Field "${name}" has ${value.length} items; the limit is ${opts.max}.`, opts.hint, { field: name })
    return value.map((v, i) => item(v, `${name}[${i}]`))
  }
}

/** A string that `check` accepts; `check` returns the problem, or undefined when fine. */
export function checkedString(check: (value: string) => { problem: string, hint: string } | undefined, hint: string): BodyField<string> {
  return (value, name) => {
    if (typeof value !== 'string') throw badField(name, value, 'must be a string', hint)
    const issue = check(value)
    if (issue) throw badField(name, value, issue.problem, issue.hint)
    return value
  }
}
