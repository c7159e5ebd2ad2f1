/**
 * A Dockerfile cut into instructions the way Docker's classic builder cuts it (moby's parser: lines end
 * at `\n` with one `\r` before it dropped, `# escape=` at the top, an escape character followed only by
 * blanks continues the line, whole-line comments and blank lines inside a continuation are skipped, the
 * keyword is the first word). Hand-written on purpose: a general-purpose parser that reads a file
 * differently from the daemon (heredocs, a bare `\r`, lenient JSON) lets an upload hide an instruction
 * from the review, so this follows the daemon and reports what two readers could disagree on.
 */
export interface DockerfileInstruction {
  /** 1-based line where it starts. */
  line: number
  /** Upper case, as written but for case. */
  keyword: string
  /** The rest of the instruction, its continuation lines joined. */
  rest: string
}

export interface DockerfileProblem {
  /** 1-based line of the instruction. */
  line: number
  problem: string
}

export interface ScannedDockerfile {
  escape: string
  instructions: DockerfileInstruction[]
  problems: DockerfileProblem[]
}

const DIRECTIVE = /^#\s*([a-z][a-z0-9]*)\s*=(.*)$/i
/** What the daemon splits words on (its `reWhitespace`). */
const BLANKS = /[\t\v\f\r ]+/

/** An instruction's words as the daemon splits them before it looks at flags or quotes. */
export const wordsOf = (rest: string): string[] => rest.split(BLANKS).filter(Boolean)

/** NUL, and the spaces beyond ASCII's that Go's and JavaScript's notions of a space disagree on. */

const ODD_CHARACTER = /[\0\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]/

const isComment = (line: string) => line.trimStart().startsWith('#')

export function scanDockerfile(text: string): ScannedDockerfile {
  const problems: DockerfileProblem[] = []
  const lines = text.replace(/^\uFEFF/, '').split('\n').map(line => line.endsWith('\r') ? line.slice(0, -1) : line)
  lines.forEach((line, index) => {
    if (line.includes('\r')) problems.push({ line: index + 1, problem: 'a carriage return inside a line: Docker and other readers split such a line differently' })
    const odd = ODD_CHARACTER.exec(line)
    if (odd) problems.push({ line: index + 1, problem: `the character U+${odd[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, which Docker and other readers take for a space or not alike` })
  })

  let escape = '\\'
  let index = 0
  // Parser directives: only before anything else, each once.
  const seen = new Set<string>()
  for (; index < lines.length; index++) {
    const match = DIRECTIVE.exec(lines[index]!)
    const name = match?.[1]!.toLowerCase()
    const value = match?.[2]!.trim()
    if (!value || (name !== 'escape' && name !== 'syntax') || seen.has(name)) break
    seen.add(name)
    if (name === 'syntax') problems.push({ line: index + 1, problem: '`# syntax=` names a builder image to fetch; the agent builds with Docker\'s own builder' })
    else if (value === '`' || value === '\\') escape = value
    else problems.push({ line: index + 1, problem: `\`# escape=${value}\`: the escape character is \\ or \`` })
  }

  const continues = new RegExp(`\\${escape}[ \\t]*$`)
  const instructions: DockerfileInstruction[] = []
  for (; index < lines.length; index++) {
    const start = lines[index]!.trimStart()
    if (start === '' || start.startsWith('#')) continue
    const first = index + 1
    let logical = start
    while (continues.test(logical)) {
      logical = logical.replace(continues, '')
      // The daemon skips comment and blank lines inside a continuation, and keeps a line's leading blanks.
      do index++
      while (index < lines.length && (isComment(lines[index]!) || lines[index]!.trim() === ''))
      if (index >= lines.length) break
      logical += lines[index]!
    }
    const [keyword, rest] = splitOnce(logical.trim())
    instructions.push({ line: first, keyword: keyword.toUpperCase(), rest })
  }
  return { escape, instructions, problems }
}

/** The first word, and the rest after the blanks that follow it. */
function splitOnce(line: string): [string, string] {
  const match = BLANKS.exec(line)
  return match ? [line.slice(0, match.index), line.slice(match.index + match[0].length)] : [line, '']
}
