import type Dockerode from 'dockerode'
import type { DockerfileProblem, ImageReference } from './dockerfile-policy'
import { lstat, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LambdaError } from '../../errors'
import { withDockerDeadline } from './api-deadline'
import { CONTAINER_LABELS } from './container-spec'
import { reviewDockerfile } from './dockerfile-policy'

/** The characters of `[registry[:port]/]name[:tag][@digest]`. */
const IMAGE_REF_RE = /^\w[\w.\-/:@]{0,254}$/

/** Larger than any real Dockerfile; the parser must not be handed megabytes. */
const MAX_DOCKERFILE_BYTES = 256 * 1024

export interface BuildCheckInput {
  name: string
  contextDir: string
  /** The build args the build will get (BASE_IMAGE and the labels' values). */
  buildArgs: Record<string, string>
  /** This agent's id: its own images of this function may be built upon. */
  agentId: string
}

function refused(name: string, problems: DockerfileProblem[]): LambdaError {
  const lines = problems.map(p => `  line ${p.line}: ${p.problem}`).join('\n')
  return new LambdaError({
    code: 'DOCKERFILE_REFUSED',
    status: 400,
    message: `The Dockerfile of function "${name}" asks for what an upload may not have; nothing was built:\n${lines}`,
    hint: 'Put files in the function\'s folder (it is the build context) and COPY them; start FROM ${BASE_IMAGE} (with `ARG BASE_IMAGE` first) or an image loaded on the agent\'s machine with `docker load`: the agent never pulls. RUN steps have no network unless the agent runs with --build-network bridge. See docs/agent.md, "Custom images".',
    data: { function: name, problems },
  })
}

function badUpload(message: string): LambdaError {
  return new LambdaError({ code: 'BAD_UPLOAD', status: 400, message: `Upload rejected: ${message}`, hint: 'A function with `kind: dockerfile` is its folder with a Dockerfile at the top; deploy it with `lambda deploy`.', data: { entry: 'Dockerfile' } })
}

/** The upload's Dockerfile: a regular file of sane size (never a link the agent would follow). */
async function readUploadedDockerfile(contextDir: string): Promise<string> {
  const file = join(contextDir, 'Dockerfile')
  const info = await lstat(file).catch(() => undefined)
  if (!info) throw badUpload('a `kind: dockerfile` upload has no Dockerfile at its top.')
  if (!info.isFile()) throw badUpload('the Dockerfile must be a regular file, not a link or a folder.')
  if (info.size > MAX_DOCKERFILE_BYTES) throw badUpload(`the Dockerfile is ${info.size} bytes; at most ${MAX_DOCKERFILE_BYTES / 1024} KB are read.`)
  try {
    // Bytes that are not UTF-8 would be read one way here and another by the daemon.
    return new TextDecoder('utf-8', { fatal: true }).decode(await readFile(file))
  }
  catch {
    throw badUpload('the Dockerfile is not UTF-8 text.')
  }
}

/** An image id or a prefix of one: the daemon would take it, and it names the layers of any build on the machine. */
const IMAGE_ID_RE = /^(?:sha256:)?[0-9a-f]{1,64}$/

/** `node:20` as Docker lists it in RepoTags: no default registry or library prefix, `:latest` when no tag. */
function listedName(ref: string): string {
  const name = ref.replace(/^(?:docker\.io\/)?(?:library\/)?/, '')
  return name.includes('@') || /:[^/]*$/.test(name) ? name : `${name}:latest`
}

/**
 * What is wrong with an image a FROM or COPY --from names: it must be an image loaded on the machine,
 * named by one of its own names (never an id or id prefix, which reach the untagged layers of other
 * functions' builds), and not another function's. Every way of not being there answers the same.
 */
async function imageProblem(docker: Dockerode, image: ImageReference, input: BuildCheckInput): Promise<DockerfileProblem | undefined> {
  const absent = { line: image.line, problem: `${JSON.stringify(image.ref.slice(0, 100))} is not an image loaded on the agent's machine under that name: the agent never pulls (the daemon would fetch it from wherever its name points), and builds only from images named by repository and tag` }
  // The name goes into a Docker API path: nothing but what image names are made of.
  if (IMAGE_ID_RE.test(image.ref) || !IMAGE_REF_RE.test(image.ref) || image.ref.includes('..')) return absent
  const info = await withDockerDeadline('inspecting an image', () => docker.getImage(image.ref).inspect()).catch((error: { statusCode?: number }) => {
    if (error.statusCode === 404 || error.statusCode === 400) return undefined
    throw error
  })
  const names = [...(info?.RepoTags ?? []), ...(info?.RepoDigests ?? [])].map(listedName)
  if (!info || !names.includes(listedName(image.ref))) return absent
  const labels = info.Config?.Labels ?? {}
  const fn = labels[CONTAINER_LABELS.function]
  if (fn !== undefined && (fn !== input.name || labels[CONTAINER_LABELS.agent] !== input.agentId)) {
    return { line: image.line, problem: `image ${JSON.stringify(image.ref)} is the image of another function; a function builds on the base or on images loaded for it` }
  }
  return undefined
}

/**
 * Refuses (400), before anything is built, a Dockerfile that would make the daemon reach out: a remote
 * ADD, an image it would pull, ONBUILD; or read another function's image. See dockerfile-policy.ts.
 */
export async function checkDockerfileBuild(docker: Dockerode, input: BuildCheckInput): Promise<void> {
  const review = reviewDockerfile(await readUploadedDockerfile(input.contextDir), input.buildArgs)
  const imageProblems = await Promise.all(review.images.map(image => imageProblem(docker, image, input)))
  const problems = [...review.problems, ...imageProblems.filter(p => p !== undefined)].sort((a, b) => a.line - b.line)
  if (problems.length > 0) throw refused(input.name, problems)
}
