import { closestMatch } from '../../closest-match'

/** One problem found in a config: where, what was there, what is wrong, how to fix it. */
export interface ConfigIssue {
  path: string
  value: unknown
  problem: string
  fix: string
}

/**
 * Checks the value found at `path`, adding each problem (with its fix) to `issues`. True when it
 * added none: the predicate is what lets a config's TypeScript types follow from its checks.
 */
export type Check<T> = (value: unknown, path: string, issues: ConfigIssue[]) => value is T

/** The type a check accepts. */
export type CheckedType<C> = C extends Check<infer T> ? T : never

/** Keys and the check of each: the shape of one object in the config. */
export type Shape = Record<string, Check<unknown>>

/** What a user may write for a shape: every key optional. */
export type ShapeInput<S extends Shape> = { [K in keyof S]?: CheckedType<S[K]> }

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A check from a function that reports problems; it passes when it reported none. */
export function check<T>(report: (value: unknown, path: string, issues: ConfigIssue[]) => void): Check<T> {
  return (value, path, issues): value is T => {
    const before = issues.length
    report(value, path, issues)
    return issues.length === before
  }
}

/** Anything at all: for values the config passes through untouched (a schedule's payload). */
export const anything: Check<unknown> = (_value, _path, _issues): _value is unknown => true

export function number(opts: { min: number, max: number, integer?: boolean, unit: string, example: number }): Check<number> {
  return check((value, path, issues) => {
    const ok = typeof value === 'number' && Number.isFinite(value) && value >= opts.min && value <= opts.max && (!opts.integer || Number.isInteger(value))
    if (!ok) {
      issues.push({
        path,
        value,
        problem: `must be ${opts.integer ? 'a whole number' : 'a number'} of ${opts.unit} from ${opts.min} to ${opts.max}`,
        fix: `set ${path} to a value such as ${opts.example}`,
      })
    }
  })
}

export const string = (example: string): Check<string> => check((value, path, issues) => {
  if (typeof value !== 'string' || value.length === 0) issues.push({ path, value, problem: 'must be a non-empty string', fix: `set ${path} to a string such as '${example}'` })
})

export const boolean: Check<boolean> = check((value, path, issues) => {
  if (typeof value !== 'boolean') issues.push({ path, value, problem: 'must be true or false', fix: `set ${path} to true or false` })
})

export const oneOf = <const T extends string>(choices: readonly T[]): Check<T> => check((value, path, issues) => {
  if (!choices.includes(value as T)) issues.push({ path, value, problem: `must be one of ${choices.map(c => `'${c}'`).join(', ')}`, fix: `set ${path} to ${choices.map(c => `'${c}'`).join(' or ')}` })
})

export const stringArray: Check<string[]> = check((value, path, issues) => {
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) issues.push({ path, value, problem: 'must be an array of strings', fix: `set ${path} to a list such as ['sharp']` })
})

/**
 * Checks an object key by key against `shape`. A key the shape does not know is a problem of its own,
 * with a "did you mean" when it looks like a typo of a known one; an undefined value counts as absent.
 */
export function checkShape(value: unknown, path: string, shape: Shape, issues: ConfigIssue[]): boolean {
  const before = issues.length
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be an object', fix: `set ${path} to an object with keys ${Object.keys(shape).join(', ')}` })
    return false
  }
  for (const [key, v] of Object.entries(value)) {
    const keyPath = path ? `${path}.${key}` : key
    // Own keys only: `__proto__` or `constructor` in an uploaded manifest must be an unknown option, not Object's.
    const validate = Object.hasOwn(shape, key) ? shape[key] : undefined
    if (!validate) {
      const close = closestMatch(key, Object.keys(shape))
      issues.push({ path: keyPath, value: v, problem: 'is not a known option', fix: close ? `did you mean '${close}'? Known options: ${Object.keys(shape).join(', ')}` : `remove it; known options: ${Object.keys(shape).join(', ')}` })
      continue
    }
    if (v !== undefined) validate(v, keyPath, issues)
  }
  return issues.length === before
}
