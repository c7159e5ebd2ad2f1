import type { LambdaArgDef, LambdaArgsDef } from './lambda-args'
import { closestMatch } from '../../closest-match'
import { usageError } from '../usage-error'

/** A command line checked against a command's argument definitions. */
export interface ParsedCommandLine {
  /** What citty would give `run`: each flag's value (or default), each positional by name, and `_` (all positionals). */
  args: Record<string, unknown> & { _: string[] }
  /** Typed values of the arguments that declare a `value` type, and every value of repeated ones. */
  values: Record<string, unknown>
}

interface Flag {
  name: string
  def: LambdaArgDef
}

const camelCase = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** `-x`, `--x`, `--x=1`: an option. `-`, `-1` and `--` are not. */
export const isOption = (token: string) => /^--?[A-Z]/i.test(token)

function indexFlags(argsDef: LambdaArgsDef) {
  const long = new Map<string, Flag>()
  const short = new Map<string, Flag>()
  for (const [name, def] of Object.entries(argsDef)) {
    if (def.type === 'positional') continue
    const flag = { name, def }
    long.set(name, flag)
    // citty also reads `--dataDir` for `data-dir`: keep accepting what worked before.
    long.set(camelCase(name), flag)
    for (const alias of ['alias' in def ? def.alias ?? [] : []].flat()) (alias.length === 1 ? short : long).set(alias, flag)
  }
  return { long, short }
}

const describeFlags = (argsDef: LambdaArgsDef) => Object.entries(argsDef).filter(([, def]) => def.type !== 'positional').map(([name]) => `--${name}`)
const describePositionals = (argsDef: LambdaArgsDef) => Object.entries(argsDef).filter(([, def]) => def.type === 'positional').map(([name, def]) => def.required === false || def.default !== undefined ? `[${name}${def.multiple ? '…' : ''}]` : `<${name}>`)

function unknownOption(written: string, argsDef: LambdaArgsDef, command: string) {
  const bare = written.replace(/^-+/, '')
  const candidates = Object.entries(argsDef).flatMap(([name, def]) => def.type === 'positional' ? [] : def.type === 'boolean' ? [name, `no-${name}`] : [name])
  const guess = closestMatch(bare, candidates)
  const known = describeFlags(argsDef)
  return usageError({
    code: 'UNKNOWN_OPTION',
    message: `Unknown option ${written} for \`${command}\`.${guess ? ` Did you mean --${guess}?` : ''}`,
    hint: `${known.length > 0 ? `Its options: ${known.join(', ')}.` : `\`${command}\` takes no options.`} See \`${command} --help\`.`,
  })
}

/** `guess`: what was most likely meant, asked after the problem (`… is not one of a, b. Did you mean a?`). */
function invalidValue(flag: string, raw: string, problem: string, hint: string, guess?: string) {
  return usageError({ code: 'INVALID_VALUE', message: `Invalid value for ${flag}: ${JSON.stringify(raw)} ${problem}.${guess ? ` Did you mean ${guess}?` : ''}`, hint })
}

/** Checks one value against its type (`value`) or choices (`enum`); returns the typed value. */
function checkValue(label: string, def: LambdaArgDef, raw: string): unknown {
  if (def.type === 'enum' && def.options && !def.options.includes(raw)) {
    const guess = closestMatch(raw, def.options)
    throw invalidValue(label, raw, `is not one of ${def.options.join(', ')}`, `e.g. ${label.startsWith('-') ? `${label} ` : ''}${guess ?? def.options[0]}`, guess)
  }
  if (!def.value) return raw
  const value = def.value.parse(raw)
  if (value === undefined) throw invalidValue(label, raw, `is not ${def.value.expected}`, `e.g. ${label.startsWith('-') ? `${label} ` : ''}${def.value.example}`)
  return value
}

/**
 * Reads a command line strictly against a command's `args`: aliases, `--no-x`, `--x=value`,
 * `-xVALUE`, positionals and `--` (the end of options). Anything it does not know, a flag without
 * its value, a value of the wrong type and a missing or extra argument is a usage error that names
 * the problem and, where one is close, what was meant.
 */
export function parseCommandLine(rawArgs: string[], argsDef: LambdaArgsDef, command: string): ParsedCommandLine {
  const { long, short } = indexFlags(argsDef)
  const given = new Map<string, Array<string | boolean>>()
  const give = (flag: Flag, value: string | boolean) => given.set(flag.name, [...(given.get(flag.name) ?? []), value])
  const positionals: string[] = []

  /** The value of a string flag: inline, else the next token unless that is an option. */
  const takeValue = (flag: Flag, written: string, inline: string | undefined, index: number): { value: string, consumed: boolean } => {
    if (inline !== undefined) return { value: inline, consumed: false }
    const next = rawArgs[index + 1]
    const nextIsValue = next !== undefined && next !== '--' && !isOption(next)
    if (flag.def.value?.optional) {
      // `--release` alone, or followed by something that is not a release id (a positional).
      if (nextIsValue && flag.def.value.parse(next) !== undefined) return { value: next, consumed: true }
      return { value: '', consumed: false }
    }
    if (nextIsValue) return { value: next, consumed: true }
    const example = flag.def.value?.example ?? (flag.def.type === 'enum' ? flag.def.options?.[0] : undefined) ?? `<${flag.def.valueHint ?? flag.name}>`
    throw usageError({ code: 'MISSING_VALUE', message: `${written} needs a value.`, hint: `e.g. ${written} ${example} (write ${written}=<value> for a value that starts with "-").` })
  }

  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i]!
    if (token === '--') {
      positionals.push(...rawArgs.slice(i + 1))
      break
    }
    if (!isOption(token)) {
      positionals.push(token)
      continue
    }
    if (token.startsWith('--')) {
      const eq = token.indexOf('=')
      const name = token.slice(2, eq === -1 ? undefined : eq)
      const inline = eq === -1 ? undefined : token.slice(eq + 1)
      const written = `--${name}`
      const flag = long.get(name)
      const negated = !flag && name.startsWith('no-') ? long.get(name.slice(3)) : undefined
      if (negated?.def.type === 'boolean') {
        if (inline !== undefined) throw usageError({ code: 'INVALID_VALUE', message: `${written} takes no value.`, hint: `Write ${written} alone, or --${negated.name}=false.` })
        give(negated, false)
        continue
      }
      if (!flag) throw unknownOption(written, argsDef, command)
      if (flag.def.type === 'boolean') {
        if (inline === undefined) give(flag, true)
        else if (inline === 'true' || inline === 'false') give(flag, inline === 'true')
        else throw usageError({ code: 'INVALID_VALUE', message: `${written} takes no value (got ${JSON.stringify(inline)}).`, hint: `Write ${written} alone, or --no-${flag.name}.` })
        continue
      }
      const { value, consumed } = takeValue(flag, written, inline, i)
      if (consumed) i++
      give(flag, value)
      continue
    }
    // Short options: `-y`, `-yf` (switches together), `-p 3000`, `-p3000`, `-p=3000`.
    const flag = short.get(token[1]!)
    if (!flag) throw unknownOption(token.slice(0, 2), argsDef, command)
    const rest = token.slice(2)
    if (flag.def.type === 'boolean') {
      give(flag, true)
      for (const char of rest) {
        const next = short.get(char)
        if (next?.def.type !== 'boolean') throw unknownOption(`-${char}`, argsDef, command)
        give(next, true)
      }
      continue
    }
    const { value, consumed } = takeValue(flag, `-${token[1]}`, rest === '' ? undefined : rest.replace(/^=/, ''), i)
    if (consumed) i++
    give(flag, value)
  }

  const args: ParsedCommandLine['args'] = { _: positionals }
  const values: Record<string, unknown> = {}
  let next = 0
  for (const [name, def] of Object.entries(argsDef)) {
    if (def.type === 'positional') {
      const taken = def.multiple ? positionals.slice(next) : positionals.slice(next, next + 1)
      next += taken.length
      if (taken.length === 0 && def.required !== false && def.default === undefined) {
        throw usageError({
          code: 'MISSING_ARGUMENT',
          message: `\`${command}\` needs <${name}>${def.description ? ` (${def.description.replace(/\.$/, '')})` : ''}.`,
          hint: `Usage: ${command} ${describePositionals(argsDef).join(' ')}; see \`${command} --help\`.`,
        })
      }
      const typed = taken.map(raw => checkValue(`<${name}>`, def, raw))
      args[name] = taken[0] ?? def.default
      if (def.multiple) values[name] = typed
      else if (def.value) values[name] = typed[0]
      continue
    }
    const all = given.get(name) ?? []
    const last = all.at(-1)
    args[name] = last ?? def.default
    if (def.type === 'boolean') continue
    const typed = all.map(raw => checkValue(`--${name}`, def, raw as string))
    if (def.multiple) values[name] = typed
    else if (def.value) values[name] = typed.at(-1)
  }
  if (next < positionals.length) {
    const expected = describePositionals(argsDef)
    throw usageError({
      code: 'UNEXPECTED_ARGUMENT',
      message: `Unexpected argument ${JSON.stringify(positionals[next])} for \`${command}\`.`,
      hint: `${expected.length > 0 ? `Usage: ${command} ${expected.join(' ')}` : `\`${command}\` takes no arguments`}; see \`${command} --help\`.`,
    })
  }
  return { args, values }
}
