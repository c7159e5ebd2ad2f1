import type { CompletionCommand } from '../../src/cli/completion/command-tree'

/** One `lambda …` command line found in a page, as written. */
export interface DocCommand {
  page: string
  line: number
  text: string
}

const COMMAND_START = /(?:^|&&|\|\||[;|`]|\$\(|\bsudo(?: -\S+)* |\bnpx )\s*(lambda\s[^`;|&#)]*)/g

/** `lambda …` at a command position: in code blocks and in inline code; never "AWS Lambda" or `lambda.config.ts`. */
export function findCommands(page: string, markdown: string): DocCommand[] {
  const found: DocCommand[] = []
  const add = (candidate: string, line: number) => {
    for (const match of candidate.matchAll(COMMAND_START)) {
      const text = match[1]!.replace(/\s+/g, ' ').trim()
      if (/^lambda [a-z]/.test(text)) found.push({ page, line, text })
    }
  }
  const lines = markdown.split('\n')
  let prose: Array<{ text: string, line: number }> = []
  // Inline code may wrap onto the next line: prose is read a paragraph at a time.
  const flushProse = () => {
    const text = prose.map(p => p.text).join('\n')
    for (const span of text.matchAll(/`([^`]+)`/g)) {
      const line = prose[0]!.line + text.slice(0, span.index).split('\n').length - 1
      add(span[1]!, line)
    }
    prose = []
  }
  let fenced = false
  lines.forEach((raw, i) => {
    if (raw.trimStart().startsWith('```')) {
      if (!fenced && prose.length > 0) flushProse()
      fenced = !fenced
      return
    }
    if (fenced) {
      // A shell line: a prompt and a comment are not part of the command.
      add(raw.replace(/^\s*\$\s+/, '').replace(/\s#\s.*$/, '').replace(/^\s*#.*$/, ''), i + 1)
      return
    }
    if (raw.trim() === '' && prose.length > 0) flushProse()
    else prose.push({ text: raw, line: i + 1 })
  })
  if (prose.length > 0) flushProse()
  return found
}

/** Words as the shell splits them (quotes kept together), enough for the docs' command lines. */
export function shellWords(text: string): string[] {
  return [...text.matchAll(/"[^"]*"|'[^']*'|\S+/g)].map(m => m[0])
}

/** What is wrong with a documented command line, checked against the CLI's command tree; empty when nothing is. */
export function checkCommand(text: string, tree: CompletionCommand[]): string[] {
  const byPath = new Map(tree.map(command => [command.path.join(' '), command]))
  let command = byPath.get('lambda')!
  let positional = false
  const problems: string[] = []
  const words = shellWords(text).slice(1)
  for (let i = 0; i < words.length; i++) {
    // Placeholders and optional parts as the docs write them: [--port], <fn>, [names…], a|b.
    const word = words[i]!.replace(/^\[+|\]+$/g, '')
    if (word === '--' || word === '…' || word === '...' || /^[<>]/.test(words[i]!) || word === '') break
    if (word.startsWith('-')) {
      const name = word.split('=')[0]!
      const flag = command.flags.find(f => f.names.includes(name))
      if (!flag) problems.push(`${command.path.join(' ')} has no flag ${name}`)
      else if (flag.takesValue && !word.includes('=')) i++
      continue
    }
    // `set-*`: any subcommand the pattern matches.
    const alternatives = word.includes('*') ? command.subcommands.map(sub => sub.name).filter(name => new RegExp(`^${word.replace(/[.+?^${}()[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name)).slice(0, 1) : word.split('|')
    if (!positional && alternatives.length > 0 && alternatives.every(alt => command.subcommands.some(sub => sub.name === alt))) {
      command = byPath.get(`${command.path.join(' ')} ${alternatives[0]}`)!
      continue
    }
    // A word that is no subcommand is an argument, which a group (`lambda config`) does not take.
    if (!positional && command.subcommands.length > 0 && !command.runs) {
      problems.push(`${command.path.join(' ')} has no command ${word}`)
      break
    }
    positional = true
  }
  return problems
}

/** A `### \`lambda …\`` section of docs/cli.md: the commands its heading names, and the flags its text names. */
export interface CommandSection {
  line: number
  heading: string
  commands: string[]
  flags: Array<{ flag: string, line: number }>
}

/** The command a heading's code span names: `lambda agent install`, or a sibling written alone (`uninstall`). */
function headingCommands(heading: string, tree: CompletionCommand[]): string[] {
  const paths = new Set(tree.map(command => command.path.join(' ')))
  const commands: string[] = []
  for (const span of heading.matchAll(/`([^`]+)`/g)) {
    const words = shellWords(span[1]!).filter(word => /^[a-z][\w|-]*$/.test(word))
    const start = words[0] === 'lambda' ? [] : commands.at(-1)?.split(' ').slice(0, -1) ?? ['lambda']
    let path = words[0] === 'lambda' ? ['lambda'] : start
    for (const word of words.slice(words[0] === 'lambda' ? 1 : 0)) {
      const next = word.split('|').map(alt => [...path, alt].join(' ')).filter(candidate => paths.has(candidate))
      if (next.length === 0) break
      commands.push(...next.slice(1))
      path = next[0]!.split(' ')
    }
    commands.push(path.join(' '))
  }
  return [...new Set(commands)]
}

export function commandSections(markdown: string, tree: CompletionCommand[]): CommandSection[] {
  const sections: CommandSection[] = []
  let fenced = false
  markdown.split('\n').forEach((raw, i) => {
    if (raw.trimStart().startsWith('```')) fenced = !fenced
    if (fenced) return
    if (/^#{1,3} /.test(raw)) {
      if (/^### .*`lambda /.test(raw)) sections.push({ line: i + 1, heading: raw, commands: headingCommands(raw, tree), flags: [] })
      else if (sections.length > 0 && !raw.startsWith('#### ')) sections.push({ line: i + 1, heading: raw, commands: [], flags: [] })
      return
    }
    const section = sections.at(-1)
    if (!section || section.commands.length === 0) return
    for (const span of raw.matchAll(/`(--?[a-z][\w-]*)(?:[\s=][^`]*)?`/gi)) section.flags.push({ flag: span[1]!, line: i + 1 })
  })
  return sections.filter(section => section.commands.length > 0)
}
