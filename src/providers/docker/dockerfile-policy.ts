import type { DockerfileInstruction, DockerfileProblem } from './dockerfile-lines'
import { scanDockerfile, wordsOf } from './dockerfile-lines'

export type { DockerfileProblem } from './dockerfile-lines'

/**
 * What an uploaded Dockerfile may ask of the Docker daemon. The daemon fetches `ADD <url>` and pulls
 * `FROM` / `COPY --from` images itself, from the host's network, whatever the build's network mode:
 * an upload must not make it reach the host's loopback, a metadata endpoint or a registry of the
 * uploader's choosing. So remote sources are refused before the build, and images are only named, to
 * be checked against what is on the machine (see check-build.ts). Where the daemon's reading of a line
 * could differ from this one (quotes in an image name, flags in an odd form, JSON with more after it,
 * heredocs), the line is refused rather than guessed at.
 */
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

/** ADD/COPY flags the check understands, in their only accepted form `--name=value` (`--link` alone). */
const COPY_FLAGS = new Set(['chown', 'chmod', 'from', 'link'])
const FLAG = /^--([a-z-]+)(?:=([^\s"'`\\]*))?$/

/** `scheme://…` or git's `user@host:path`: sources the daemon would download. */
const REMOTE_SOURCE = /:\/\/|(?:^|\s)git@/i

/** `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alternative}`: what a FROM line may use. */
const VARIABLE = /\$(?:(\w+)|\{(\w+)(?::([-+])([^}$]*))?\})/g

export function reviewDockerfile(text: string, buildArgs: Record<string, string>): DockerfileReview {
  const scanned = scanDockerfile(text)
  const problems = [...scanned.problems]
  const images: ImageReference[] = []
  const stages: string[] = []
  const globals = new Map<string, string | undefined>()
  const refuse = (at: DockerfileInstruction, problem: string) => problems.push({ line: at.line, problem })

  for (const at of scanned.instructions) {
    if (!KNOWN.has(at.keyword)) {
      refuse(at, `"${at.keyword.slice(0, 40)}" is not a Dockerfile instruction the agent knows`)
      continue
    }
    // Newer builders read `<<WORD` as a heredoc that swallows the lines after it; the classic one does not.
    if (at.rest.includes('<<')) refuse(at, 'heredocs (`<<`) are read differently by Docker\'s builders: put the file in the function\'s folder and COPY it')
    if (at.keyword === 'ONBUILD') refuse(at, 'ONBUILD is not allowed: a function image is never a base for another build')
    if (at.keyword === 'ARG' && stages.length === 0) declareGlobals(at.rest, globals, buildArgs)
    if (at.keyword === 'FROM') reviewFrom(at, stages, globals, images, refuse)
    if (at.keyword === 'ADD' || at.keyword === 'COPY') reviewCopy(at, scanned.escape, stages, images, refuse)
  }
  return { problems: problems.sort((a, b) => a.line - b.line), images }
}

type Refuse = (at: DockerfileInstruction, problem: string) => void

function reviewFrom(at: DockerfileInstruction, stages: string[], globals: Map<string, string | undefined>, images: ImageReference[], refuse: Refuse) {
  const words = wordsOf(at.rest).filter(word => !/^--platform=[^\s"'`\\]*$/.test(word))
  const [image, as, stage, ...more] = words
  if (!image || words.some(word => word.startsWith('--')) || more.length > 0 || (as !== undefined && (as.toUpperCase() !== 'AS' || !stage))) {
    refuse(at, 'FROM takes an image, optionally `--platform=<value>` before it and `AS <name>` after it')
  }
  else if (/["'`\\]/.test(image)) {
    refuse(at, `FROM ${image}: write the image name without quotes or escapes`)
  }
  else {
    const resolved = expand(image, globals)
    if (resolved === undefined) refuse(at, `FROM ${image} uses a variable that is not declared with ARG before the first FROM (for the Mini Lambda base: \`ARG BASE_IMAGE\`, then \`FROM \${BASE_IMAGE}\`), or in a form the agent does not resolve`)
    else if (!isStage(resolved, stages)) images.push({ line: at.line, ref: resolved })
  }
  stages.push(stage?.toLowerCase() ?? String(stages.length))
}

function reviewCopy(at: DockerfileInstruction, escape: string, stages: string[], images: ImageReference[], refuse: Refuse) {
  let args = at.rest.trimStart()
  for (const word of wordsOf(at.rest)) {
    if (!word.startsWith('--')) break
    args = args.slice(word.length).trimStart()
    const match = FLAG.exec(word)
    if (!match || !COPY_FLAGS.has(match[1]!) || (match[1] !== 'link') !== (match[2] !== undefined)) {
      refuse(at, `${at.keyword} ${word}: flags are written --chown=<value>, --chmod=<value>, --from=<stage or image> or --link`)
      continue
    }
    if (match[1] !== 'from') continue
    const from = match[2]!
    if (from.includes('$')) refuse(at, `${at.keyword} --from=${from} uses a variable: name the stage or image literally`)
    else if (!isStage(from, stages)) images.push({ line: at.line, ref: from })
  }
  const json = args.startsWith('[') ? jsonStrings(args) : undefined
  if (args.startsWith('[') && !json) refuse(at, `${at.keyword} in JSON form must be a JSON array of strings and nothing after it`)
  if (at.keyword !== 'ADD') return
  // What the daemon will see: the JSON strings decoded, or the shell words without quotes and escapes.
  const seen = json ? json.join(' ') : [...args].filter(char => char !== '"' && char !== '\'' && char !== escape).join('')
  if (seen.includes('$')) refuse(at, 'ADD with a variable: write the path literally')
  else if (REMOTE_SOURCE.test(seen)) refuse(at, `ADD ${JSON.stringify(seen.slice(0, 100))} would make the Docker daemon download it from the agent's machine`)
}

/** The strings of a JSON-form instruction, or undefined when it is not exactly a JSON array of strings. */
function jsonStrings(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) && value.every(item => typeof item === 'string') ? value : undefined
  }
  catch {
    return undefined
  }
}

function isStage(ref: string, stages: string[]): boolean {
  const name = ref.toLowerCase()
  return name === 'scratch' || stages.includes(name) || (/^\d+$/.test(name) && Number(name) < stages.length)
}

/** Global ARGs (before the first FROM) with their defaults; the agent's build args win for those declared. */
function declareGlobals(rest: string, globals: Map<string, string | undefined>, buildArgs: Record<string, string>) {
  for (const word of wordsOf(rest)) {
    const [name, ...value] = word.split('=')
    if (!name) continue
    const fallback = value.length === 0 ? '' : value.join('=').replace(/^(["'])(.*)\1$/, '$2')
    // A default the agent cannot read the way the daemon would stays unknown: a FROM using it is refused.
    globals.set(name, Object.hasOwn(buildArgs, name) ? buildArgs[name] : /["'`\\$]/.test(fallback) ? undefined : fallback)
  }
}

/** A FROM reference with its variables put in; undefined when it uses one it cannot know. */
function expand(word: string, vars: Map<string, string | undefined>): string | undefined {
  let unknown = false
  const result = word.replace(VARIABLE, (_match, bare: string | undefined, braced: string | undefined, op: string | undefined, alt: string | undefined) => {
    const name = (bare ?? braced)!
    const value = vars.get(name)
    if (!vars.has(name) || value === undefined) {
      unknown = true
      return ''
    }
    if (op === '-') return value || alt!
    if (op === '+') return value ? alt! : ''
    return value
  })
  return unknown || result.includes('$') ? undefined : result
}
