import type { Check } from './checks'

/**
 * One option of a function: what a user may write (`check`, which also says how to fix a wrong
 * value), what it is when left out (`default`) and, when the resolved form differs from what was
 * written, how to get there (`resolve`). Everything else about the option follows from this.
 */
export interface OptionSpec<In, Out = In> {
  check: Check<In>
  /** The resolved value of an option left out. */
  default: NoInfer<Out>
  /** What was written, in its resolved form. Default: the value as written. */
  resolve?: (value: In) => Out
  /** How a value in `defaults` and the function's own combine. Default: the function's replaces it. */
  merge?: (fromDefaults: In, own: In) => In
}

export const defineOption = <In, Out = In>(spec: OptionSpec<In, Out>): OptionSpec<In, Out> => spec

export type OptionSpecs = Record<string, OptionSpec<any, any>>

/** What a user writes for these options: each one optional, typed by its check. */
export type OptionsInput<S extends OptionSpecs> = { [K in keyof S]?: S[K] extends OptionSpec<infer In, any> ? In : never }

/** The resolved options: each one present, in its resolved form. */
export type OptionsResolved<S extends OptionSpecs> = { [K in keyof S]: S[K] extends OptionSpec<any, infer Out> ? Out : never }

/** A default is never shared: a resolved `{}` or `[]` is the function's own to change. */
const copy = <T>(value: T): T => structuredClone(value)

export function resolveOptions<S extends OptionSpecs>(specs: S, input: OptionsInput<S>): OptionsResolved<S> {
  const resolved: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const value = input[key as keyof S]
    resolved[key] = value === undefined ? copy(spec.default) : spec.resolve ? spec.resolve(value) : value
  }
  return resolved as OptionsResolved<S>
}

/** The function's own options over those of `defaults`, each combined as its spec says. */
export function mergeOptions<S extends OptionSpecs>(specs: S, fromDefaults: OptionsInput<S> | undefined, own: OptionsInput<S>): OptionsInput<S> {
  const merged: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const [base, mine] = [fromDefaults?.[key as keyof S], own[key as keyof S]]
    const value = mine === undefined ? base : base === undefined || !spec.merge ? mine : spec.merge(base, mine)
    if (value !== undefined) merged[key] = value
  }
  return merged as OptionsInput<S>
}
