import type { CommandDef, CommandMeta, ParsedArgs, SubCommandsDef } from 'citty'
import type { LambdaArgsDef, ParsedValues } from './args/lambda-args'
import { defineCommand } from 'citty'
import { parseCommandLine } from './args/parse-command-line'
import { useJsonOutput } from './output/json-output'
import { printError } from './print-error'
import { exitCodeOf } from './usage-error'

export interface LambdaCommandContext<T extends LambdaArgsDef> {
  rawArgs: string[]
  /** Flags and positionals as citty names them (strings, booleans, defaults applied). */
  args: ParsedArgs<T>
  /** Typed values: arguments with a `value` type, and every value of repeated ones. */
  values: ParsedValues<T>
  /** `--json` was given: print the result with `printJson`; messages for people already go to stderr. */
  json: boolean
}

export interface LambdaCommandDef<T extends LambdaArgsDef> {
  meta: CommandMeta
  args?: T
  subCommands?: SubCommandsDef
  run: (ctx: LambdaCommandContext<T>) => unknown | Promise<unknown>
}

/** What the dispatcher (run-cli.ts) passes a command: its full name, for messages. */
export interface DispatchData {
  command: string
}

/** `--json` before the end of options, known to the command or not: its errors are JSON too. */
export const wantsJson = (rawArgs: string[]) => {
  const end = rawArgs.indexOf('--')
  return (end === -1 ? rawArgs : rawArgs.slice(0, end)).some(arg => arg === '--json' || arg === '--json=true')
}

/**
 * A command whose command line is checked against its `args` before `run` (unknown flags, values
 * of the wrong type, missing or extra arguments: exit 2, with "did you mean"), and whose failures
 * print as message + hint (or `{ "error": … }` with `--json`) and exit 1. Everything below `run`
 * throws LambdaErrors and never exits by itself.
 */
export function defineLambdaCommand<const T extends LambdaArgsDef = LambdaArgsDef>(def: LambdaCommandDef<T>): CommandDef<T> {
  return defineCommand<T>({
    meta: def.meta,
    args: def.args,
    subCommands: def.subCommands,
    async run(ctx) {
      const command = (ctx.data as DispatchData | undefined)?.command ?? `lambda ${def.meta.name}`
      const json = wantsJson(ctx.rawArgs)
      try {
        const { args, values } = parseCommandLine(ctx.rawArgs, def.args ?? {}, command)
        if (json) useJsonOutput()
        return await def.run({ rawArgs: ctx.rawArgs, args: args as ParsedArgs<T>, values: values as ParsedValues<T>, json })
      }
      catch (error) {
        printError(error, { json })
        process.exit(exitCodeOf(error))
      }
    },
  })
}
