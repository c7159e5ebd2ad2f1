import type { CommandDef, CommandMeta, Resolvable, SubCommandsDef } from 'citty'
import { stripVTControlCharacters } from 'node:util'
import { renderUsage } from 'citty'
import { closestMatch } from '../closest-match'
import { isOption } from './args/parse-command-line'
import { usageError } from './usage-error'

export type AnyCommand = CommandDef<any>

export const resolveValue = async <T>(value: Resolvable<T>): Promise<T> => typeof value === 'function' ? (value as () => T | Promise<T>)() : value

export interface ResolvedCommand {
  command: AnyCommand
  /** `lambda agent keys create`. */
  path: string[]
  meta: CommandMeta
  /** What follows the command's name: its own flags and arguments. */
  rawArgs: string[]
}

async function subCommandsOf(command: AnyCommand): Promise<Record<string, AnyCommand> | undefined> {
  const subs = await resolveValue(command.subCommands as Resolvable<SubCommandsDef> | undefined)
  if (!subs || Object.keys(subs).length === 0) return undefined
  return subs as Record<string, AnyCommand>
}

/**
 * Follows the command line down the subcommands: `lambda agent keys create …`. A word where a
 * subcommand is expected and is none is an unknown command (exit 2, "did you mean"), not the help.
 * With `lenient` (for --help) it stops at the last command it knows instead.
 */
export async function resolveCommand(main: AnyCommand, rawArgs: string[], lenient: boolean): Promise<ResolvedCommand> {
  let command = main
  let meta = await resolveValue(main.meta ?? {}) as CommandMeta
  const path = [meta.name ?? 'lambda']
  let rest = rawArgs
  for (;;) {
    const subs = await subCommandsOf(command)
    if (!subs) break
    const hasPositionals = Object.values(await resolveValue(command.args ?? {}) as Record<string, { type?: string }>).some(def => def.type === 'positional')
    // A command that runs by itself (`lambda agent`) takes its subcommand first, its own flags otherwise;
    // a group (`lambda config`) has nothing of its own, so its subcommand is the first word.
    const at = command.run ? (rest[0] !== undefined && !isOption(rest[0]) ? 0 : -1) : rest.findIndex(arg => arg === '--' || !isOption(arg))
    const word = at === -1 || rest[at] === '--' ? undefined : rest[at]
    const name = path.join(' ')
    if (word === undefined) {
      if (!command.run && rest.length > 0 && !lenient) {
        throw usageError({ code: 'UNKNOWN_OPTION', message: `Unknown option ${rest[0]} for \`${name}\`.`, hint: `Options go after the command, e.g. \`${name} ${Object.keys(subs)[0]} ${rest[0]}\`. Commands: ${Object.keys(subs).join(', ')}.` })
      }
      break
    }
    const sub = subs[word] ?? await findByAlias(subs, word)
    if (!sub) {
      if (lenient || (command.run && hasPositionals)) break
      const guess = closestMatch(word, Object.keys(subs))
      throw usageError({
        code: 'UNKNOWN_COMMAND',
        message: `Unknown command "${word}" for \`${name}\`.${guess ? ` Did you mean ${guess}?` : ''}`,
        hint: `Commands: ${Object.keys(subs).join(', ')}. See \`${name} --help\`.`,
      })
    }
    if (at > 0 && !lenient) {
      throw usageError({ code: 'UNKNOWN_OPTION', message: `Unknown option ${rest[0]} for \`${name}\`.`, hint: `Options go after the command: \`${name} ${word} ${rest.slice(0, at).join(' ')}\`.` })
    }
    command = await resolveValue(sub)
    meta = await resolveValue(command.meta ?? {}) as CommandMeta
    path.push(word)
    rest = rest.slice(at + 1)
  }
  return { command, path, meta, rawArgs: rest }
}

async function findByAlias(subs: Record<string, AnyCommand>, word: string): Promise<AnyCommand | undefined> {
  for (const sub of Object.values(subs)) {
    const meta = await resolveValue((await resolveValue(sub)).meta ?? {}) as CommandMeta
    if ([meta.alias ?? []].flat().includes(word)) return sub
  }
  return undefined
}

/** citty's usage text of a resolved command, as `--help` and `lambda help` print it (colour only on a terminal). */
export async function printUsage(main: AnyCommand, resolved: ResolvedCommand): Promise<void> {
  const mainMeta = await resolveValue(main.meta ?? {}) as CommandMeta
  const parent = resolved.path.length > 1 ? { meta: { name: resolved.path.slice(0, -1).join(' '), version: mainMeta.version } } : undefined
  const usage = await renderUsage(resolved.command, parent)
  // citty colours its help whatever the output is; keep colour for terminals.
  process.stdout.write(`${process.stdout.isTTY && !process.env.NO_COLOR ? usage : stripVTControlCharacters(usage)}\n\n`)
}
