import type { CommandMeta } from 'citty'
import type { DispatchData } from './define-command'
import type { AnyCommand } from './resolve-command'
import { consola } from 'consola'
import { wantsJson } from './define-command'
import { endQuietlyOnClosedPipe } from './output/closed-pipe'
import { useReporterForOutput } from './output/plain-reporter'
import { debugFromEnv, takeVerboseFlag, useVerboseOutput } from './output/verbose'
import { printError } from './print-error'
import { printUsage, resolveCommand, resolveValue } from './resolve-command'
import { exitCodeOf } from './usage-error'

/**
 * The CLI's entry: finds the command, shows help (`--help`, or a group without its subcommand),
 * and runs it. Usage errors found here exit 2; a command's own `run` reports everything after.
 */
export async function runCli(main: AnyCommand, argv: string[] = process.argv.slice(2)): Promise<void> {
  endQuietlyOnClosedPipe()
  useReporterForOutput()
  const { rawArgs, verbose } = takeVerboseFlag(argv)
  if (verbose || debugFromEnv()) useVerboseOutput()
  const end = rawArgs.indexOf('--')
  const isHelp = (arg: string, i: number) => (end === -1 || i < end) && (arg === '--help' || arg === '-h')
  const help = rawArgs.some(isHelp)
  const json = wantsJson(rawArgs)
  try {
    const mainMeta = await resolveValue(main.meta ?? {}) as CommandMeta
    if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
      process.stdout.write(`${mainMeta.version}\n`)
      return
    }
    const resolved = await resolveCommand(main, rawArgs.filter((arg, i) => !isHelp(arg, i)), help)
    if (help || !resolved.command.run) return await printUsage(main, resolved)
    const data: DispatchData = { command: resolved.path.join(' ') }
    consola.debug(`Running \`${data.command}\` with ${JSON.stringify(resolved.rawArgs)}`)
    await resolved.command.run({ rawArgs: resolved.rawArgs, args: { _: [] } as never, cmd: resolved.command, data })
  }
  catch (error) {
    printError(error, { json })
    process.exit(exitCodeOf(error))
  }
}
