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
  return readFile(file, 'utf8')
}

/** What is wrong with an image a FROM or COPY --from names: it must be here (no pull), and not another function's. */
async function imageProblem(docker: Dockerode, image: ImageReference, input: BuildCheckInput): Promise<DockerfileProblem | undefined> {
  // The name goes into a Docker API path: nothing but what image references are made of.
  if (!IMAGE_REF_RE.test(image.ref) || image.ref.includes('..')) return { line: image.line, problem: `${JSON.stringify(image.ref.slice(0, 100))} is not an image reference` }
  const info = await withDockerDeadline('inspecting an image', () => docker.getImage(image.ref).inspect()).catch((error: { statusCode?: number }) => {
    if (error.statusCode === 404 || error.statusCode === 400) return undefined
    throw error
  })
  if (!info) return { line: image.line, problem: `image ${JSON.stringify(image.ref)} is not on the agent's machine, and the agent never pulls (the daemon would fetch it from wherever its name points)` }
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
