import type { Copy, Instruction } from 'dockerfile-ast'
import { DockerfileParser } from 'dockerfile-ast'

/**
 * What an uploaded Dockerfile may ask of the Docker daemon. The daemon fetches `ADD <url>` and pulls
 * `FROM` / `COPY --from` images itself, from the host's network, whatever the build's network mode:
 * an upload must not make it reach the host's loopback, a metadata endpoint or a registry of the
 * uploader's choosing. So remote sources are refused before the build, and images are only named,
 * to be checked against what is on the machine (see checkBuildImages); nothing here is fetched.
 */
export interface DockerfileProblem {
  /** 1-based line of the instruction. */
  line: number
  problem: string
}

export interface ImageReference {
  line: number
  /** As written after the build args were put in, e.g. `mini-lambda/runtime:abc` or `node:20`. */
  ref: string
}

export interface DockerfileReview {
  problems: DockerfileProblem[]
  /** Images the build would start from or copy out of, other than its own stages and `scratch`. */
  images: ImageReference[]
}

/** The classic builder's instructions; anything else is refused rather than guessed at. */
const KNOWN = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL', 'ONBUILD'])

/** `scheme://…` or git's `user@host:path`: sources the daemon would download. */
const REMOTE_SOURCE = /:\/\/|^git@/i

/** `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alternative}`: what a FROM line may use. */
const VARIABLE = /\$(?:(\w+)|\{(\w+)(?::([-+])([^}]*))?\})/g

export function reviewDockerfile(text: string, buildArgs: Record<string, string>): DockerfileReview {
  const problems: DockerfileProblem[] = []
  const images: ImageReference[] = []
  const dockerfile = DockerfileParser.parse(text)
  const escape = dockerfile.getEscapeCharacter()
  const globals = globalArgs(dockerfile.getInitialARGs().map(arg => arg.getArgumentsContent() ?? ''), buildArgs)
  const stages: string[] = []
  const refuse = (instruction: Instruction, problem: string) => problems.push({ line: instruction.getRange().start.line + 1, problem })

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword()
    const line = instruction.getRange().start.line + 1
    if (!KNOWN.has(keyword)) {
      refuse(instruction, `"${instruction.getInstruction().slice(0, 40)}" is not a Dockerfile instruction the agent knows`)
      continue
    }
    if (keyword === 'ONBUILD') {
      refuse(instruction, 'ONBUILD is not allowed: a function image is never a base for another build')
      continue
    }
    if (keyword === 'ADD') {
      for (const source of sourcesOf(instruction)) {
        const plain = unquote(source, escape)
        if (source.includes('$')) refuse(instruction, `ADD source ${JSON.stringify(source)} uses a variable: write the path literally`)
        else if (REMOTE_SOURCE.test(plain)) refuse(instruction, `ADD from ${JSON.stringify(plain.slice(0, 100))} would make the Docker daemon download it from the agent's machine`)
      }
    }
    if (keyword === 'FROM') {
      const [image, as, stage] = argumentsOf(instruction)
      if (!image) continue
      const resolved = expand(image, globals)
      if (resolved === undefined) refuse(instruction, `FROM ${image} uses a variable that is not declared with ARG before the first FROM (for the Mini Lambda base: \`ARG BASE_IMAGE\`, then \`FROM \${BASE_IMAGE}\`), or in a form the agent does not resolve`)
      else if (!isStage(resolved, stages)) images.push({ line, ref: resolved })
      if (as?.toUpperCase() === 'AS' && stage) stages.push(stage.toLowerCase())
      else stages.push(String(stages.length))
    }
    if (keyword === 'COPY' || keyword === 'ADD') {
      for (const flag of (instruction as Copy).getFlags()) {
        if (flag.getName() !== 'from') continue
        const from = flag.getValue() ?? ''
        if (from.includes('$')) refuse(instruction, `${keyword} --from=${from} uses a variable: name the stage or image literally`)
        else if (!isStage(from, stages)) images.push({ line, ref: from })
      }
    }
  }
  return { problems, images }
}

function isStage(ref: string, stages: string[]): boolean {
  const name = ref.toLowerCase()
  return name === 'scratch' || stages.includes(name) || (/^\d+$/.test(name) && Number(name) < stages.length)
}

/** The words of an instruction: the JSON form's strings when it is one, else its shell-form words. */
function argumentsOf(instruction: Instruction): string[] {
  const content = instruction.getArgumentsContent() ?? ''
  try {
    const parsed: unknown = JSON.parse(content)
    if (Array.isArray(parsed) && parsed.every(item => typeof item === 'string')) return parsed
  }
  catch {}
  return instruction.getArguments().map(arg => arg.getValue()).filter(word => !word.startsWith('--'))
}

/** Everything but the destination (flags are not sources). */
function sourcesOf(instruction: Instruction): string[] {
  return argumentsOf(instruction).slice(0, -1)
}

/** A shell word as the builder reads it: quotes and escapes removed (`h"t"tp` is `http`). */
function unquote(word: string, escape: string): string {
  return word.split('').filter(char => char !== '"' && char !== '\'' && char !== escape).join('')
}

/** Global ARGs (before the first FROM) with their defaults; the agent's build args win for those declared. */
function globalArgs(declarations: string[], buildArgs: Record<string, string>): Map<string, string> {
  const values = new Map<string, string>()
  for (const declaration of declarations) {
    const [name, ...rest] = declaration.trim().split('=')
    if (!name) continue
    const fallback = rest.length > 0 ? rest.join('=').replace(/^(["'])(.*)\1$/, '$2') : ''
    values.set(name, Object.hasOwn(buildArgs, name) ? buildArgs[name]! : fallback)
  }
  return values
}

/** A FROM reference with its variables put in; undefined when it uses one it cannot know. */
function expand(word: string, vars: Map<string, string>): string | undefined {
  let unknown = false
  const result = word.replace(VARIABLE, (_match, bare: string | undefined, braced: string | undefined, op: string | undefined, alt: string | undefined) => {
    const name = (bare ?? braced)!
    if (!vars.has(name) && op === undefined) {
      unknown = true
      return ''
    }
    const value = vars.get(name) ?? ''
    if (op === '-') return value || alt!
    if (op === '+') return value ? alt! : ''
    return value
  })
  return unknown || result.includes('$') ? undefined : result
}
