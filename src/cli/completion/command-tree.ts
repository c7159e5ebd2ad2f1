import type { LambdaArgDef, NameKind } from '../args/lambda-args'
import type { AnyCommand } from '../resolve-command'
import { collectCommands } from '../reference/render-reference'

/** One flag as a shell completes it. */
export interface CompletionFlag {
  /** `--port`, then its short form `-p`; `--no-logs` for a flag that is on by default. */
  names: string[]
  description: string
  /** The next word is its value (`--port 7070`); flags whose value is optional take it only as `--flag=value`. */
  takesValue: boolean
  /** The values to offer (an enum's options, or the flag's `completions`); empty: any value (file names). */
  choices: string[]
  /** Names looked up at TAB instead (name-lookup.ts): `--context <TAB>` offers the saved contexts. */
  lookup?: NameKind
}

/** One command of the tree, as a shell completes it: `lambda agent keys`. */
export interface CompletionCommand {
  /** `['lambda', 'agent', 'keys']`. */
  path: string[]
  subcommands: Array<{ name: string, description: string }>
  flags: CompletionFlag[]
  /** The values its first positional argument may take, when it has a fixed set (`lambda completion <shell>`). */
  positionalChoices: string[]
  /** What its first positional argument names, looked up at TAB (`lambda invoke <TAB>`: the project's functions). */
  positionalLookup?: NameKind
  /** It runs by itself (`lambda agent`), rather than only grouping subcommands (`lambda config`). */
  runs: boolean
}

/** Flags every command takes, handled by run-cli.ts itself. */
const HELP_FLAG: CompletionFlag = { names: ['--help', '-h'], description: 'Show the help of the command', takesValue: false, choices: [] }
const VERSION_FLAG: CompletionFlag = { names: ['--version', '-v'], description: 'Print the version', takesValue: false, choices: [] }

const oneLine = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim()

function flagOf(name: string, def: LambdaArgDef): CompletionFlag {
  const aliases = [('alias' in def ? def.alias : undefined) ?? []].flat().map(alias => alias.length === 1 ? `-${alias}` : `--${alias}`)
  const negatable = def.type === 'boolean' && def.default === true
  const takesValue = (def.type === 'string' && !def.value?.optional) || def.type === 'enum'
  const choices = def.type === 'enum' ? [...(def.options ?? [])] : [...(def.completions ?? [])]
  return { names: [`--${name}`, ...(negatable ? [`--no-${name}`] : []), ...aliases], description: oneLine(def.description), takesValue, choices, ...(def.completeWith ? { lookup: def.completeWith } : {}) }
}

/** The whole command tree of `main`, with the flags each command takes (its own, the global ones, --help). */
export async function completionTree(main: AnyCommand): Promise<CompletionCommand[]> {
  const entries = await collectCommands(main)
  const root = entries[0]!
  const globalFlags = Object.entries(root.args).filter(([, def]) => def.type !== 'positional').map(([name, def]) => flagOf(name, def))
  return entries.map((entry) => {
    const children = entries.filter(other => other.path.length === entry.path.length + 1 && entry.path.every((word, i) => other.path[i] === word))
    const own = entry === root ? [] : Object.entries(entry.args).filter(([, def]) => def.type !== 'positional').map(([name, def]) => flagOf(name, def))
    const positional = Object.values(entry.args).find(def => def.type === 'positional')
    return {
      path: ['lambda', ...entry.path],
      subcommands: children.map(child => ({ name: child.path.at(-1)!, description: oneLine(child.meta.description) })),
      flags: [...own, ...globalFlags, HELP_FLAG, ...(entry === root ? [VERSION_FLAG] : [])],
      positionalChoices: [...(positional?.completions ?? [])],
      ...(positional?.completeWith ? { positionalLookup: positional.completeWith } : {}),
      runs: entry.runs,
    }
  })
}
