import type { ArgDef } from 'citty'
import type { ValueType } from './value-types'

/** citty's definition of an argument, plus what citty cannot say: a typed value, and repetition. */
export type LambdaArgDef = ArgDef & {
  /** The value's type: a value that is not one is a usage error (exit 2). Read it from `values`. */
  value?: ValueType<unknown>
  /** A flag that may be given more than once (`-H a -H b`), or a positional that takes all the rest. */
  multiple?: boolean
  /** Values shell completion offers for it (`lambda completion`); an enum offers its options by itself. */
  completions?: readonly string[]
  /**
   * Names shell completion looks up at TAB, on this machine and without Node (completion/name-lookup.ts):
   * the function folders of the project around, or the contexts saved in the settings file.
   */
  completeWith?: NameKind
}

/** What a name argument names, for completion: a function of the project, or a saved context. */
export type NameKind = 'functions' | 'contexts'

export type LambdaArgsDef = Record<string, LambdaArgDef>

type ValueOf<D> = D extends { value: ValueType<infer V> }
  ? D extends { multiple: true } ? V[] : V | undefined
  : string[]

/** The typed values of a command's arguments: those with a `value` type, and repeated ones (as arrays). */
export type ParsedValues<T extends LambdaArgsDef> = {
  [K in keyof T as T[K] extends { value: ValueType<any> } | { multiple: true } ? K : never]: ValueOf<T[K]>
}
