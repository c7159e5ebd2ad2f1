import type Dockerode from 'dockerode'
import { LambdaError } from '../../errors'
import { printableLine } from '../../log/printable-line'
import { BUILD_TOOLS } from './host-tools'

export interface BuildImageOptions {
  tag: string
  labels?: Record<string, string>
  /** Values for the Dockerfile's ARGs, e.g. `{ BASE_IMAGE: 'mini-lambda/runtime:…' }` for `FROM ${BASE_IMAGE}`. */
  buildArgs?: Record<string, string>
  /** Name for errors, e.g. the function. */
  subject: string
  /** How a user names the build context folder, for the command in the hint that reproduces a failed build. */
  folder?: string
  /** Receives every line of the build output as it arrives. */
  onLog?: (line: string) => void
  /** A build that runs longer is aborted (a RUN step that never ends must not hold a deploy forever). */
  timeoutMs?: number
  /** The network of RUN steps. Default: none. (ADD URLs and pulls are the daemon's own: see dockerfile-policy.ts.) */
  network?: 'none' | 'bridge'
  /** Stops the build when aborted (nobody waits for it any more). */
  signal?: AbortSignal
}

/** Default for builds: generous for a Dockerfile that installs packages, finite all the same. */
export const BUILD_TIMEOUT_MS = 10 * 60_000

interface BuildEvent {
  stream?: string
  status?: string
  progressDetail?: unknown
  id?: string
  error?: string
  errorDetail?: { message?: string }
  aux?: { ID?: string }
}

/** How many lines of the build log an error message carries. */
const ERROR_LOG_LINES = 15

/** Bookkeeping of the classic builder: layer ids, intermediate containers, context upload. */
const LOG_NOISE = /^(?:\s*--->|Removing intermediate container|Sending build context|Successfully (?:built|tagged))/

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EACCES', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'])

/** Where this client talks to the engine, as the user would write it in DOCKER_HOST. */
export function dockerEndpoint(docker: Dockerode): string {
  const modem = docker.modem as unknown as { socketPath?: unknown, host?: string, port?: number | string, protocol?: string }
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`
  if (modem.host) return `${modem.protocol ?? 'http'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`
  return 'unix:///var/run/docker.sock'
}

/** A DOCKER_UNAVAILABLE error when `error` says the engine could not be reached, else undefined. */
export function dockerUnavailableError(docker: Dockerode, error: unknown): LambdaError | undefined {
  const code = (error as { code?: string } | undefined)?.code
  if (!code || !UNREACHABLE_CODES.has(code)) return undefined
  const endpoint = dockerEndpoint(docker)
  const denied = code === 'EACCES' || code === 'EPERM'
  return new LambdaError({
    code: 'DOCKER_UNAVAILABLE',
    status: 503,
    message: denied
      ? `Docker refused the connection at ${endpoint}: permission denied.`
      : `Docker is not answering at ${endpoint} (${(error as Error).message}).`,
    hint: denied
      ? 'Run as a user in the `docker` group (`sudo usermod -aG docker $USER`, then log in again), or as root.'
      : 'Start the Docker engine (`sudo systemctl start docker`, or run `dockerd`), or point DOCKER_HOST at a running one.',
    cause: error,
  })
}

/** The command that repeats a build by hand, with the build args that matter (the base's real tag). */
function reproduceCommand(opts: BuildImageOptions): string {
  const base = opts.buildArgs?.BASE_IMAGE
  return `docker build${base ? ` --build-arg BASE_IMAGE=${base}` : ''} ${opts.folder ?? '<folder with the Dockerfile>'}`
}

function hintFor(errorLine: string, opts: BuildImageOptions): string {
  if (/did not finish within/.test(errorLine)) return 'Find the step that never ends (a RUN waiting for input or the network, which functions do not have at build time either), or raise the limit with `lambda agent --build-timeout <seconds>`.'
  if (/pull access denied|manifest unknown|not found: manifest|no such host|dial tcp|i\/o timeout|TLS handshake|repository does not exist|toomanyrequests/i.test(errorLine)) {
    const base = opts.buildArgs?.BASE_IMAGE
    return `The FROM image is not on this machine and could not be pulled: load it with \`docker load\`, or build on the Mini Lambda base image, which is assembled offline: start the Dockerfile with \`ARG BASE_IMAGE\` and \`FROM \${BASE_IMAGE}\`${base ? ` (the agent passes ${base})` : ''}.`
  }
  if (/(?:COPY|ADD) failed|file not found in build context|no source files were specified/i.test(errorLine)) {
    return 'A COPY/ADD source is missing from the build context: paths are relative to the function\'s folder, and .dockerignore may exclude them.'
  }
  const where = opts.folder ? ' (or wherever the function\'s folder is)' : ''
  const reproduce = `To reproduce the build by hand, run this in your project on the agent's machine, where its base image is: \`${reproduceCommand(opts)}\`${where}.`
  if (/returned a non-zero code: 127\b/.test(errorLine)) {
    return `A RUN step called a program the image does not have. The Mini Lambda base has Node, a POSIX shell and basic tools (${BUILD_TOOLS.join(' ')}), but no package manager and no npm: COPY what the function needs (bundle its dependencies), or build FROM an image you loaded with \`docker load\`. ${reproduce}`
  }
  return `Fix the failing step shown above. ${reproduce}`
}

function buildFailed(opts: BuildImageOptions, errorLine: string, log: string[], cause?: unknown): LambdaError {
  const tail = log.filter(line => line.trim() !== '' && !LOG_NOISE.test(line)).slice(-ERROR_LOG_LINES)
  // The error line usually repeats as the log's last line; say it once.
  if (tail.length > 0 && tail[tail.length - 1]!.trim() === errorLine) tail.pop()
  return new LambdaError({
    code: 'IMAGE_BUILD_FAILED',
    status: 422,
    message: `Building the image for ${opts.subject} failed: ${errorLine}${tail.length > 0 ? `\n${tail.join('\n')}` : ''}`,
    hint: hintFor(errorLine, opts),
    cause,
  })
}

/** The daemon's own words from a dockerode HTTP error, without dockerode's "(HTTP code 500) server error - " wrapper. */
export function daemonMessage(error: unknown): string {
  const json = (error as { json?: unknown } | undefined)?.json
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message.trim()
  if (typeof json === 'string' && json.trim()) return json.trim()
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()
}

/**
 * Builds an image from a build-context tar stream with the classic builder, never pulling,
 * follows the build output to its end and returns the image id with the log. Any failure of the
 * build is an IMAGE_BUILD_FAILED error carrying the error line and the last lines of the log.
 */
export async function buildImage(docker: Dockerode, context: NodeJS.ReadableStream, opts: BuildImageOptions): Promise<{ imageId: string, log: string[] }> {
  const timeoutMs = opts.timeoutMs ?? BUILD_TIMEOUT_MS
  // One controller for the deadline and the caller's cancel. Not AbortSignal.any(AbortSignal.timeout()):
  // it holds its sources weakly, and a timeout signal nothing else holds can be collected before it fires.
  const stop = new AbortController()
  const deadline = setTimeout(() => stop.abort(new DOMException('The build took too long', 'TimeoutError')), timeoutMs)
  const cancel = () => stop.abort(opts.signal!.reason)
  if (opts.signal?.aborted) cancel()
  opts.signal?.addEventListener('abort', cancel, { once: true })
  try {
    return await runBuild(docker, context, opts, stop.signal, timeoutMs)
  }
  finally {
    clearTimeout(deadline)
    opts.signal?.removeEventListener('abort', cancel)
  }
}

async function runBuild(docker: Dockerode, context: NodeJS.ReadableStream, opts: BuildImageOptions, abortSignal: AbortSignal, timeoutMs: number): Promise<{ imageId: string, log: string[] }> {
  const timedOut = (log: string[]) => opts.signal?.aborted
    ? new LambdaError({ code: 'BUILD_CANCELLED', status: 499, message: `The build of the image for ${opts.subject} was stopped: nobody waits for it any more.` })
    : buildFailed(opts, `it did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`, log)
  let stream: NodeJS.ReadableStream
  try {
    stream = await docker.buildImage(context, {
      abortSignal,
      t: opts.tag,
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.buildArgs ? { buildargs: opts.buildArgs } : {}),
      // Never pull: FROM images are the local base or ones the user loaded; no registry is assumed.
      pull: false,
      networkmode: opts.network ?? 'none',
      rm: true,
      forcerm: true,
    })
  }
  catch (error) {
    if (abortSignal.aborted) throw timedOut([])
    throw dockerUnavailableError(docker, error) ?? buildFailed(opts, daemonMessage(error), [], error)
  }

  const log: string[] = []
  let partial = ''
  let imageId: string | undefined
  let failure: string | undefined
  const push = (line: string) => {
    log.push(line)
    opts.onLog?.(line)
  }
  // `stream` chunks are not line-aligned: a RUN step's output can arrive in pieces. Whatever a step
  // prints (colours, progress bars, raw bytes), logs and errors get text.
  const write = (text: string) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop()!
    for (const line of lines) push(printableLine(line))
  }

  const streamError = await new Promise<Error | null>((resolve) => {
    docker.modem.followProgress(stream, (error: Error | null) => resolve(error), (event: BuildEvent) => {
      if (typeof event.stream === 'string') write(event.stream)
      else if (event.status && !event.progressDetail) write(`${event.id ? `${event.id}: ` : ''}${event.status}\n`)
      if (event.aux?.ID) imageId = event.aux.ID
      if (event.error || event.errorDetail?.message) failure ??= (event.errorDetail?.message || event.error)!.trim()
    })
  })
  if (partial) push(printableLine(partial))
  if (abortSignal.aborted) throw timedOut(log)

  if (failure) throw buildFailed(opts, failure, log)
  if (streamError) throw dockerUnavailableError(docker, streamError) ?? buildFailed(opts, `the build output broke off: ${streamError.message}`, log, streamError)

  if (!imageId) {
    try {
      imageId = (await docker.getImage(opts.tag).inspect()).Id
    }
    catch (error) {
      throw dockerUnavailableError(docker, error) ?? buildFailed(opts, `the build ended without producing ${opts.tag}`, log, error)
    }
  }
  return { imageId, log }
}
