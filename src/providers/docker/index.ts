import type Dockerode from 'dockerode'
import type { Instance } from '../../instances/types'
import type { LaunchRequest, Provider, ProviderContext } from '../types'
import type { ContainerInstanceOptions, PreparedContainer } from './container-instance'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { c as createTar } from 'tar'
import { LambdaError } from '../../errors'
import { RuntimeLink } from '../../instances/runtime-link'
import { lastingLinkDir, makeLinkDir, removeLinkDir } from '../link-dir'
import { withDockerDeadline } from './api-deadline'
import { BASE_IMAGE_LABELS, ensureBaseImage } from './base-image'
import { buildImage } from './build-image'
import { checkDockerfileBuild } from './check-build'
import { discardPrepared, prepareContainer, startContainerInstance } from './container-instance'
import { CONTAINER_LABELS, LINK_SOCKET_NAME, specHash } from './container-spec'
import { Leftovers, sortLeftovers } from './leftovers'
import { connectorFor, upgradeToLink } from './link-upgrade'
import { nodeBuildContext } from './node-build-context'
import { PauseWatch } from './pause-watch'

export interface DockerProviderOptions {
  /** Docker Engine API socket. Default: /var/run/docker.sock (or DOCKER_HOST's unix path). */
  socketPath?: string
  /** `host` (assemble from this machine's Node, works offline) or an image such as `node:20-bookworm-slim`. */
  baseImage?: string
  /** Longest a function's image build may take. Default: 10 minutes. */
  buildTimeoutMs?: number
  /**
   * The network of RUN steps in function builds. Default: none (uploaded code is built with no way
   * out); `bridge` is the admin's choice for Dockerfiles that download while they build.
   */
  buildNetwork?: 'none' | 'bridge'
  onLog?: (line: string) => void
  /**
   * How long a container's runtime waits for a restarting agent before it exits (ms), so the next run
   * can adopt it. Default: 60 s.
   */
  adoptGraceMs?: number
}

/** What the engine says when a cached image a build stood on was removed under it. */
const VANISHED_LAYER = /failed to get digest sha256:|No such image: sha256:/

export const DEFAULT_ADOPT_GRACE_MS = 60_000

export function dockerSocketPath(explicit?: string): string {
  if (explicit) return explicit
  const fromEnv = process.env.DOCKER_HOST
  if (fromEnv?.startsWith('unix://')) return fromEnv.slice('unix://'.length)
  return '/var/run/docker.sock'
}

export function dockerUnavailable(socketPath: string, cause?: unknown): LambdaError {
  return new LambdaError({
    code: 'DOCKER_UNAVAILABLE',
    status: 503,
    message: `The Docker daemon does not answer at ${socketPath}${cause ? ` (${(cause as Error).message})` : ''}.`,
    hint: 'Start it (`sudo systemctl start docker`, or `sudo dockerd &`), make sure this user may use it (the docker group), or run the agent with `--provider process`.',
    cause,
  })
}

/** Can a Docker daemon be reached? Used to pick the default provider. */
export async function dockerAnswers(socketPath?: string): Promise<boolean> {
  const { default: Docker } = await import('dockerode')
  try {
    await new Docker({ socketPath: dockerSocketPath(socketPath) }).ping()
    return true
  }
  catch {
    return false
  }
}

/** Each function instance is a container built from an image per version. */
export async function createDockerProvider(ctx: ProviderContext, options: DockerProviderOptions = {}): Promise<Provider> {
  const { default: Docker } = await import('dockerode')
  const socketPath = dockerSocketPath(options.socketPath)
  const docker: Dockerode = new Docker({ socketPath })
  let runDir: string | undefined
  let leftovers: Leftovers | undefined
  const adoptGraceMs = options.adoptGraceMs ?? DEFAULT_ADOPT_GRACE_MS
  // Only link folders in the data dir outlive a run: in a temp folder nothing could be found again.
  const canKeep = () => runDir !== undefined && runDir === lastingLinkDir(ctx.dataDir)
  const running = new Set<Instance>()
  const pauses = new PauseWatch(docker, ctx.agentId)
  const onLog = options.onLog
  // One created-but-not-started container per version in service, so a cold start is just a start.
  const prepared = new Map<string, PreparedContainer & { env: string }>()
  const keyOf = (request: { name: string, version: number }) => `${request.name}@${request.version}`
  // A container's environment is fixed when it is created: one made before a secret changed must not serve.
  const envOf = (request: LaunchRequest) => JSON.stringify(request.env)
  /** The waiting container of this version, if it was made with this request's environment (a stale one goes). */
  const takePrepared = (request: LaunchRequest) => {
    const key = keyOf(request)
    const waiting = prepared.get(key)
    prepared.delete(key)
    if (waiting && waiting.env !== envOf(request)) {
      void discardPrepared(waiting)
      return undefined
    }
    return waiting
  }
  let baseTag: string | undefined

  const removeOwnContainers = async () => {
    const containers = await withDockerDeadline('listing containers', abortSignal => docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.agent}=${ctx.agentId}`] }, abortSignal }))
    await Promise.all(containers.map(c => withDockerDeadline('removing a container', abortSignal => docker.getContainer(c.Id).remove({ force: true, abortSignal })).catch(() => {})))
    return containers.length
  }

  const provider: Provider = {
    name: 'docker',
    isolated: true,
    async init() {
      try {
        await docker.ping()
      }
      catch (error) {
        throw dockerUnavailable(socketPath, error)
      }
      // Containers of an earlier run of this agent (a kill -9, or a stop with --keep-instances): the
      // running ones wait to be adopted by their version (`adopt`), the rest go now.
      const lasting = lastingLinkDir(ctx.dataDir)
      const { adoptable, removed: orphansRemoved } = await sortLeftovers(docker, ctx.agentId, lasting)
      runDir = await makeLinkDir(ctx.dataDir, new Set(adoptable.map(leftover => leftover.link)))
      if (lasting) leftovers = new Leftovers(adoptable, docker, lasting)
      const base = await ensureBaseImage(docker, { source: options.baseImage, tmpDir: ctx.tmpDir, onLog: options.onLog })
      baseTag = base.tag
      // Assembling it logs every step; finding it says which one the functions build on.
      if (!base.created) options.onLog?.(`Functions build on the base image ${base.tag} (already here)`)
      return { orphansRemoved }
    },
    async checkBuild(request) {
      if (request.kind !== 'dockerfile') return
      await checkDockerfileBuild(docker, { name: request.name, contextDir: request.contextDir, agentId: ctx.agentId, buildArgs: await buildArgsFor(request.name, 0) })
    },
    async buildImage(request, onLog) {
      const buildArgs = await buildArgsFor(request.name, request.version)
      // A node function is its bundle: the agent writes the Dockerfile, whatever the upload held.
      const files = request.kind === 'node' ? await nodeBuildContext(request.name, request.contextDir) : await readdir(request.contextDir)
      // The agent id keeps two agents on one Docker host from moving each other's tags.
      const tag = `mini-lambda/${request.name}:v${request.version}-${ctx.agentId}`
      const build = () => buildImage(docker, createTar({ cwd: request.contextDir, portable: true, noMtime: true }, files) as unknown as NodeJS.ReadableStream, {
        tag,
        subject: `function "${request.name}"`,
        // The agent does not know the project's layout; `lambda new` puts a function in functions/<name>.
        folder: request.kind === 'dockerfile' ? `functions/${request.name}` : undefined,
        timeoutMs: options.buildTimeoutMs,
        network: options.buildNetwork ?? 'none',
        signal: request.signal,
        buildArgs,
        labels: { 'mini-lambda.agent': ctx.agentId, 'mini-lambda.function': request.name, 'mini-lambda.version': String(request.version), 'mini-lambda.hash': request.hash, [BASE_IMAGE_LABELS.link]: '1' },
      })
      const { imageId, log } = await build().catch((error: unknown) => {
        // The classic builder stands on cached intermediate images that other builds share: removing an
        // image (a prune here, another agent on the same engine) can delete one mid-build, and the engine
        // then fails "failed to get digest". The same build again succeeds; anything else is the build's.
        if (request.signal?.aborted || !VANISHED_LAYER.test((error as Error).message)) throw error
        return build()
      })
      for (const line of log) onLog?.(line)
      const connector = request.kind === 'dockerfile' ? connectorFor(await withDockerDeadline('inspecting an image', () => docker.getImage(imageId).inspect())) : undefined
      return connector ? { ref: tag, id: imageId, connector } : { ref: tag, id: imageId }
    },
    prepare(request) {
      const key = keyOf(request)
      if (prepared.get(key)?.env === envOf(request)) return
      const stale = prepared.get(key)
      prepared.delete(key)
      if (stale) void discardPrepared(stale)
      try {
        prepared.set(key, { ...prepareContainer(instanceOptions(request)), env: envOf(request) })
      }
      catch (error) {
        // Only an optimisation: the next start prepares its own container and reports what fails.
        options.onLog?.(`warning: could not prepare a container for ${key}: ${(error as Error).message}`)
      }
    },
    discard(name, version) {
      const key = keyOf({ name, version })
      const container = prepared.get(key)
      prepared.delete(key)
      return container ? discardPrepared(container) : Promise.resolve()
    },
    startInstance(request) {
      const options = instanceOptions(request)
      const instance = track(startContainerInstance(options, takePrepared(request) ?? prepareContainer(options)))
      // The next cold start of this version should find a container waiting, too.
      instance.ready.then(() => provider.prepare!(request), () => {})
      return instance
    },
    adopt(request) {
      const options = instanceOptions(request)
      const claimed = leftovers?.claim(request.name, request.version, specHash(options), request.config.maxInstances) ?? []
      return claimed.map((leftover) => {
        const linkDir = join(runDir!, leftover.link)
        // The same path the container has mounted; the stale socket file (ours) is replaced.
        const link = RuntimeLink.open({ socketPath: join(linkDir, LINK_SOCKET_NAME), concurrency: request.config.concurrency, socketMode: 0o666 })
        const prepared: PreparedContainer = { id: leftover.name, linkDir, link, created: Promise.resolve(docker.getContainer(leftover.id)) }
        return track(startContainerInstance(options, prepared, { paused: leftover.paused }))
      })
    },
    async endAdoption() {
      const removed = await leftovers?.removeRest() ?? 0
      leftovers = undefined
      return removed
    },
    upgradeImage(image, kind) {
      return upgradeToLink(docker, image, kind, ctx.tmpDir)
    },
    async listImages(name) {
      const images = await withDockerDeadline('listing images', abortSignal => docker.listImages({ filters: { label: [`mini-lambda.agent=${ctx.agentId}`, `mini-lambda.function=${name}`] }, abortSignal }))
      return images.map(image => ({ ref: image.RepoTags?.[0] ?? image.Id, id: image.Id, version: Number(image.Labels?.['mini-lambda.version']) }))
    },
    async removeImage(image) {
      const target = image.id ?? image.ref
      // A container (even a stopped one) keeps its image alive as an untagged leftover: remove ours first.
      const users = await withDockerDeadline('listing containers', abortSignal => docker.listContainers({ all: true, filters: { ancestor: [target], label: [`${CONTAINER_LABELS.agent}=${ctx.agentId}`] }, abortSignal }))
      await Promise.all(users.map(c => withDockerDeadline('removing a container', abortSignal => docker.getContainer(c.Id).remove({ force: true, abortSignal })).catch(() => {})))
      await withDockerDeadline('removing an image', abortSignal => docker.getImage(target).remove({ force: true, abortSignal })).catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error
      })
    },
    async close({ keepInstances = false } = {}) {
      pauses.close()
      await Promise.all([...prepared.values()].map(discardPrepared))
      prepared.clear()
      await leftovers?.removeRest()
      if (keepInstances && canKeep()) {
        // Most were released by their pools already: they run on, for the next start to adopt.
        await Promise.all([...running].map(instance => instance.release?.()))
        return
      }
      await Promise.all([...running].map(instance => instance.kill()))
      await removeOwnContainers().catch(() => {})
      await removeLinkDir(ctx.dataDir, runDir)
    },
  }

  async function buildArgsFor(name: string, version: number): Promise<Record<string, string>> {
    baseTag ??= (await ensureBaseImage(docker, { source: options.baseImage, tmpDir: ctx.tmpDir, onLog: options.onLog })).tag
    return { BASE_IMAGE: baseTag, MINI_LAMBDA_AGENT: ctx.agentId, MINI_LAMBDA_FUNCTION: name, MINI_LAMBDA_VERSION: String(version) }
  }

  function instanceOptions(request: LaunchRequest): ContainerInstanceOptions {
    const onOutput = ctx.onOutput
    const options: ContainerInstanceOptions = {
      ...request,
      docker,
      agentId: ctx.agentId,
      adoptGraceMs,
      runDir: runDir!,
      pauses,
      onLog,
      onOutput: onOutput && ((line, stream, cutBytes, time, instance) => onOutput({ function: request.name, version: request.version, instance, stream, line, cutBytes, time })),
    }
    return options
  }

  function track(started: Instance): Instance {
    // Only what can be found again may be left running.
    const instance = canKeep() ? started : { ...started, release: undefined }
    running.add(instance)
    instance.exited.then(() => running.delete(instance))
    return instance
  }

  return provider
}
