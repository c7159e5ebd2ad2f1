import type { CommandDef, CommandMeta, Resolvable } from 'citty'
import type { LambdaArgDef, LambdaArgsDef } from '../args/lambda-args'

type AnyCommand = CommandDef<any>

const resolve = async <T>(value: Resolvable<T>): Promise<T> => typeof value === 'function' ? (value as () => T | Promise<T>)() : value

/** One command of the tree, resolved: lazily loaded subcommands are loaded. */
export interface CommandEntry {
  /** `['agent', 'keys', 'create']`; empty for `lambda` itself. */
  path: string[]
  meta: CommandMeta
  args: LambdaArgsDef
  runs: boolean
}

/** Every command under `main`, depth first, in the order they are declared. */
export async function collectCommands(main: AnyCommand, path: string[] = []): Promise<CommandEntry[]> {
  const meta = await resolve(main.meta ?? {}) as CommandMeta
  const args = await resolve(main.args ?? {}) as LambdaArgsDef
  const entries: CommandEntry[] = [{ path, meta, args, runs: Boolean(main.run) }]
  const subs = await resolve(main.subCommands ?? {}) as Record<string, Resolvable<AnyCommand>>
  for (const [name, sub] of Object.entries(subs)) entries.push(...await collectCommands(await resolve(sub), [...path, name]))
  return entries
}

/** How a flag is written: `--port, -p <port>`, `--[no-]logs`, `--json`. */
export function flagSyntax(name: string, def: LambdaArgDef): string {
  const aliases = ['alias' in def ? def.alias ?? [] : []].flat().map(alias => alias.length === 1 ? `-${alias}` : `--${alias}`)
  const negatable = def.type === 'boolean' && def.default === true
  const flag = negatable ? `--[no-]${name}` : `--${name}`
  const value = def.type === 'string' ? ` <${def.valueHint ?? 'value'}>` : def.type === 'enum' ? ` <${(def.options ?? []).join('|')}>` : ''
  const optionalValue = def.type === 'string' && def.value?.optional ? ` [${value.trim()}]` : value
  return [flag, ...aliases].join(', ') + optionalValue
}

const positionalSyntax = (name: string, def: LambdaArgDef) => {
  const inner = `${name}${def.multiple ? '…' : ''}`
  return def.required === false || def.default !== undefined ? `[${inner}]` : `<${inner}>`
}

/** A table cell: `|` escaped (code spans too, as GitHub wants), `<name>` outside code spans kept visible. */
const cell = (text: string) => text
  .split('`')
  .map((part, i) => i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;'))
  .join('`')
  .replace(/\|/g, '\\|')
  .replace(/\n/g, ' ')

const code = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``

function describeArg(def: LambdaArgDef): string {
  const description = def.description ?? ''
  return def.multiple && def.type !== 'positional' && !/repeatable/i.test(description) ? `${description} (repeatable)` : description
}

function renderCommand(entry: CommandEntry): string {
  const name = ['lambda', ...entry.path].join(' ')
  const args = Object.entries(entry.args)
  const positionals = args.filter(([, def]) => def.type === 'positional')
  const flags = args.filter(([, def]) => def.type !== 'positional')
  const usage = [name, ...positionals.map(([n, def]) => positionalSyntax(n, def)), ...(flags.length > 0 ? ['[flags]'] : [])].join(' ')
  const lines = [`## \`${name}\``, '', cell(entry.meta.description ?? ''), '']
  if (entry.runs) lines.push('```sh', usage, '```', '')
  if (positionals.length > 0) {
    lines.push('| Argument | Description |', '| --- | --- |')
    for (const [n, def] of positionals) lines.push(`| ${code(positionalSyntax(n, def))} | ${cell(describeArg(def))} |`)
    lines.push('')
  }
  if (flags.length > 0) {
    lines.push('| Flag | Description |', '| --- | --- |')
    for (const [n, def] of flags) lines.push(`| ${code(flagSyntax(n, def))} | ${cell(describeArg(def))} |`)
    lines.push('')
  }
  return lines.join('\n')
}

/** docs/cli-reference.md: every command, subcommand, argument and flag, from the commands' own definitions. */
export async function renderCliReference(main: AnyCommand): Promise<string> {
  const entries = await collectCommands(main)
  const commands = entries.filter(entry => entry.path.length > 0)
  const anchor = (entry: CommandEntry) => ['lambda', ...entry.path].join('-')
  const globalFlags = Object.entries(entries[0]!.args).filter(([, def]) => def.type !== 'positional')
  return [
    '# CLI reference',
    '',
    '<!-- Generated from the command definitions in src/cli/commands/ by `npm run docs:cli`: do not edit by hand. -->',
    '',
    'Every command, argument and flag of `lambda`, as the commands declare them. What the commands do, their',
    'output, `--json` shapes and exit codes: [the command line](cli.md). Every command also takes `--help`;',
    '`lambda --version` prints the version.',
    '',
    ...commands.map(entry => `${'  '.repeat(entry.path.length - 1)}- [\`lambda ${entry.path.join(' ')}\`](#${anchor(entry)})`),
    '',
    ...(globalFlags.length > 0
      ? ['## Global flags', '', 'Every command takes these, before or after its name (`lambda --verbose deploy`, `lambda deploy --verbose`).', '', '| Flag | Description |', '| --- | --- |', ...globalFlags.map(([n, def]) => `| ${code(flagSyntax(n, def))} | ${cell(describeArg(def))} |`), '']
      : []),
    ...commands.map(renderCommand),
  ].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd().concat('\n')
}
