import type { CommandDef, CommandMeta, Resolvable, SubCommandsDef } from 'citty'
import type { DispatchData } from './define-command'
import { stripVTControlCharacters } from 'node:util'
import { renderUsage } from 'citty'
import { closestMatch } from '../closest-match'
import { isOption } from './args/parse-command-line'
import { wantsJson } from './define-command'
import { endQuietlyOnClosedPipe } from './output/closed-pipe'
import { useReporterForOutput } from './output/plain-reporter'
import { printError } from './print-error'
import { exitCodeOf, usageError } from './usage-error'

type AnyCommand = CommandDef<any>

const resolve = async <T>(value: Resolvable<T>): Promise<T> => typeof value === 'function' ? (value as () => T | Promise<T>)() : value

interface ResolvedCommand {
  command: AnyCommand
  /** `lambda agent keys create`. */
  path: string[]
  meta: CommandMeta
  /** What follows the command's name: its own flags and arguments. */
  rawArgs: string[]
}

async function subCommandsOf(command: AnyCommand): Promise<Record<string, AnyCommand> | undefined> {
  const subs = await resolve(command.subCommands as Resolvable<SubCommandsDef> | undefined)
  if (!subs || Object.keys(subs).length === 0) return undefined
  return subs as Record<string, AnyCommand>
}

/**
 * Follows the command line down the subcommands: `lambda agent keys create …`. A word where a
 * subcommand is expected and is none is an unknown command (exit 2, "did you mean"), not the help.
 * With `lenient` (for --help) it stops at the last command it knows instead.
 */
async function resolveCommand(main: AnyCommand, rawArgs: string[], lenient: boolean): Promise<ResolvedCommand> {
  let command = main
  let meta = await resolve(main.meta ?? {}) as CommandMeta
  const path = [meta.name ?? 'lambda']
  let rest = rawArgs
  for (;;) {
    const subs = await subCommandsOf(command)
    if (!subs) break
    const hasPositionals = Object.values(await resolve(command.args ?? {}) as Record<string, { type?: string }>).some(def => def.type === 'positional')
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
    command = await resolve(sub)
    meta = await resolve(command.meta ?? {}) as CommandMeta
    path.push(word)
    rest = rest.slice(at + 1)
  }
  return { command, path, meta, rawArgs: rest }
}

async function findByAlias(subs: Record<string, AnyCommand>, word: string): Promise<AnyCommand | undefined> {
  for (const sub of Object.values(subs)) {
    const meta = await resolve((await resolve(sub)).meta ?? {}) as CommandMeta
    if ([meta.alias ?? []].flat().includes(word)) return sub
  }
  return undefined
}

/**
 * The CLI's entry: finds the command, shows help (`--help`, or a group without its subcommand),
 * and runs it. Usage errors found here exit 2; a command's own `run` reports everything after.
 */
export async function runCli(main: AnyCommand, rawArgs: string[] = process.argv.slice(2)): Promise<void> {
  endQuietlyOnClosedPipe()
  useReporterForOutput()
  const end = rawArgs.indexOf('--')
  const isHelp = (arg: string, i: number) => (end === -1 || i < end) && (arg === '--help' || arg === '-h')
  const help = rawArgs.some(isHelp)
  const json = wantsJson(rawArgs)
  try {
    const mainMeta = await resolve(main.meta ?? {}) as CommandMeta
    if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
      process.stdout.write(`${mainMeta.version}\n`)
      return
    }
    const resolved = await resolveCommand(main, rawArgs.filter((arg, i) => !isHelp(arg, i)), help)
    if (help || !resolved.command.run) {
      const parent = resolved.path.length > 1 ? { meta: { name: resolved.path.slice(0, -1).join(' '), version: mainMeta.version } } : undefined
      const usage = await renderUsage(resolved.command, parent)
      // citty colours its help whatever the output is; keep colour for terminals.
      process.stdout.write(`${process.stdout.isTTY && !process.env.NO_COLOR ? usage : stripVTControlCharacters(usage)}\n\n`)
      return
    }
    const data: DispatchData = { command: resolved.path.join(' ') }
    await resolved.command.run({ rawArgs: resolved.rawArgs, args: { _: [] } as never, cmd: resolved.command, data })
  }
  catch (error) {
    printError(error, { json })
    process.exit(exitCodeOf(error))
  }
}
