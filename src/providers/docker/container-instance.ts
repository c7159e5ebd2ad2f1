import type Dockerode from 'dockerode'
import type { Instance, InstanceExit } from '../../instances/types'
import type { ContainerSpecInput } from './container-spec'
import type { ContainerOutput, FollowedLogs } from './follow-logs'
import type { PauseWatch } from './pause-watch'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { RuntimeLink } from '../../instances/runtime-link'
import { HEAP_EXHAUSTED, INIT_TIMED_OUT, INIT_TIMEOUT_MS, startFailedError } from '../../instances/startup-error'
import { withDockerDeadline } from './api-deadline'
import { containerMemoryBytes, pauseContainer, unpauseContainer } from './container-freezer'
import { containerSpec, LINK_SOCKET_NAME } from './container-spec'
import { followContainerLogs } from './follow-logs'

export interface ContainerInstanceOptions extends ContainerSpecInput {
  docker: Dockerode
  /** Host folder (the agent's alone) holding one link folder per instance. */
  runDir: string
  /** Every line the container prints, from the logs API, with the instance's id. */
  onOutput?: (...args: [...Parameters<ContainerOutput>, instance: string]) => void
  /** Tells the instance when its container is paused, so one paused behind the agent's back is thawed. */
  pauses?: PauseWatch
  onLog?: (line: string) => void
}

/** A container created (not started) with its link already listening: all of a cold start but the start. */
export interface PreparedContainer {
  id: string
  linkDir: string
  link: RuntimeLink
  created: Promise<Dockerode.Container>
}

/** The last lines a container printed (Docker's logs API: the agent reads no file the function wrote). */
async function tailLogs(container: Dockerode.Container, lines = 20): Promise<string> {
  try {
    const buffer = await withDockerDeadline('reading the container\'s logs', abortSignal => container.logs({ stdout: true, stderr: true, tail: lines, follow: false, abortSignal }) as unknown as Promise<Buffer>)
    // Multiplexed frames: 8-byte header (stream, 0, 0, 0, size) before each chunk.
    const chunks: string[] = []
    for (let offset = 0; offset + 8 <= buffer.length;) {
      const size = buffer.readUInt32BE(offset + 4)
      chunks.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'))
      offset += 8 + size
    }
    return chunks.join('').trim()
  }
  catch {
    return ''
  }
}

export function prepareContainer(options: ContainerInstanceOptions): PreparedContainer {
  const suffix = randomBytes(4).toString('hex')
  const id = `ml-${options.name}-v${options.version}-${suffix}`
  // Named by a short random suffix, never the function's name: the socket path stays short.
  const linkDir = join(options.runDir, suffix)
  mkdirSync(linkDir)
  // Traversable by the container's user whatever the umask; it is mounted read-only all the same.
  chmodSync(linkDir, 0o755)
  const link = RuntimeLink.open({ socketPath: join(linkDir, LINK_SOCKET_NAME), concurrency: options.config.concurrency, socketMode: 0o666 })
  const created = withDockerDeadline('creating a container', abortSignal => options.docker.createContainer({ ...containerSpec(options, id, linkDir), abortSignal }))
  created.catch(() => discardLink(link, linkDir))
  return { id, linkDir, link, created }
}

async function discardLink(link: RuntimeLink, linkDir: string) {
  await link.close()
  await rm(linkDir, { recursive: true, force: true }).catch(() => {})
}

export async function discardPrepared(prepared: PreparedContainer): Promise<void> {
  const container = await prepared.created.catch(() => undefined)
  await withDockerDeadline('removing a container', abortSignal => container?.remove({ force: true, abortSignal }) ?? Promise.resolve()).catch(() => {})
  await discardLink(prepared.link, prepared.linkDir)
}

/** A running (or paused) container an earlier run of this agent left, to be taken over rather than started. */
export interface AdoptedContainer {
  paused: boolean
}

/** How long an adopted container's runtime has to dial the new agent's link (it tries every 100–250 ms). */
export const ADOPT_TIMEOUT_MS = 10_000

/**
 * One function instance as a container whose runtime dials the agent's link. Given a prepared
 * container, a cold start is only `docker start` and the runtime's own start. Given `adopted`, the
 * container already runs: it is thawed if paused, and ready once its runtime dials this link.
 */
export function startContainerInstance(options: ContainerInstanceOptions, prepared: PreparedContainer, adopted?: AdoptedContainer): Instance {
  const { id, link } = prepared
  // Let go of by `release`: it outlives this agent, and nothing here touches it again.
  let released = false
  const waitAborter = new AbortController()
  let container: Dockerode.Container | undefined
  let resolveExit!: (exit: InstanceExit) => void
  const exited = new Promise<InstanceExit>(resolve => (resolveExit = resolve))
  let finished = false
  let served = false
  let initTimedOut = false
  let logs: Promise<FollowedLogs | undefined> | undefined
  /** Paused by the pool (idle): only then may it be frozen. Any other pause is thawed at once. */
  let pausedByPool = false
  let unwatchPauses: (() => void) | undefined
  const onPaused = () => {
    if (pausedByPool || finished || released || !container) return
    options.onLog?.(`Instance ${id} of "${options.name}" was paused outside the agent (docker pause?): resuming it, a frozen instance answers nothing.`)
    void unpauseContainer(container).catch(() => {})
  }

  const finish = async (exit: InstanceExit) => {
    if (finished) return
    finished = true
    unwatchPauses?.()
    // The last lines (a crash's stack) are read before the container, and its log, are removed.
    const followed = await logs
    if (followed) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([followed.ended, new Promise(resolve => (timer = setTimeout(resolve, 1000)))])
      clearTimeout(timer)
      followed.stop()
    }
    await discardPrepared(prepared)
    resolveExit(exit)
  }

  const onExit = async (result: { StatusCode: number }) => {
    if (released) return
    const state = await withDockerDeadline('inspecting a stopped container', abortSignal => container!.inspect({ abortSignal })).then(info => info.State).catch(() => undefined)
    let startupError = served ? undefined : await link.startupErrorAfterExit()
    let oomKilled = state?.OOMKilled ?? false
    if (result.StatusCode === 134 || (!served && !startupError && !oomKilled)) {
      const logs = await tailLogs(container!)
      if (HEAP_EXHAUSTED.test(logs)) oomKilled = true
      else if (!served && !startupError && logs) startupError = logs.split('\n').slice(-10).join('\n')
    }
    if (initTimedOut) startupError = INIT_TIMED_OUT
    await finish({ code: result.StatusCode, signal: null, oomKilled, startupError })
  }

  const ready = (async () => {
    container = await prepared.created
    // Asked before the start, so even an instant exit is seen. The wait itself has no deadline: it lasts the container's life.
    const waiting = container.wait({ condition: 'next-exit', abortSignal: waitAborter.signal }).then(onExit, async () => {
      if (!released) await finish({ code: null, signal: null })
    })
    if (!adopted) await withDockerDeadline('starting a container', abortSignal => container!.start({ abortSignal }))
    // Frozen, its runtime cannot notice the old agent is gone nor dial this one.
    else if (adopted.paused) await unpauseContainer(container)
    if (!finished && !released) unwatchPauses = options.pauses?.watch(container.id, onPaused)
    // After the start (Docker follows only a running container), from its first line: nothing is missed.
    // An adopted one from now: the earlier run collected what it printed before.
    const onOutput = options.onOutput
    if (onOutput) logs = followContainerLogs(options.docker, container, (line, stream, cutBytes, time) => onOutput(line, stream, cutBytes, time, id), adopted ? Math.floor(Date.now() / 1000) : undefined).catch(() => undefined)
    let initTimer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        link.ready,
        waiting.then(() => Promise.reject(new Error('instance ended before it was ready'))),
        new Promise<never>((_, reject) => {
          initTimer = setTimeout(() => {
            initTimedOut = true
            reject(new Error(INIT_TIMED_OUT))
          }, adopted ? ADOPT_TIMEOUT_MS : INIT_TIMEOUT_MS)
        }),
      ])
      served = true
    }
    finally {
      clearTimeout(initTimer)
    }
  })()

  const failed = ready.catch(async (error) => {
    if (!finished) await withDockerDeadline('killing a container', abortSignal => container?.kill({ abortSignal }) ?? Promise.resolve()).catch(() => {})
    if (!finished) await finish({ code: null, signal: null, startupError: initTimedOut ? INIT_TIMED_OUT : (error as Error).message })
    throw startFailedError(options.name, await exited, { version: options.version })
  })
  failed.catch(() => {})

  return {
    id,
    link,
    ready: ready.then(() => undefined, () => failed),
    exited,
    async stop(graceMs = 10_000) {
      if (finished) return void (await exited)
      await ready.catch(() => {})
      const seconds = Math.ceil(graceMs / 1000)
      await withDockerDeadline('stopping a container', abortSignal => container?.stop({ t: seconds, abortSignal }) ?? Promise.resolve(), graceMs + 15_000).catch(() => {})
      await finish({ code: 0, signal: 'SIGTERM' })
    },
    async kill() {
      if (finished) return void (await exited)
      await ready.catch(() => {})
      await withDockerDeadline('killing a container', abortSignal => container?.kill({ abortSignal }) ?? Promise.resolve()).catch(() => {})
      await finish({ code: null, signal: 'SIGKILL' })
    },
    // `docker stop` and `docker kill` end a paused container themselves (the engine thaws it so the
    // signal lands; a SIGTERM handler still runs): stop and kill above need no unpause of their own.
    async pause() {
      await ready
      if (finished) return
      pausedByPool = true
      await pauseContainer(container!).catch((error) => {
        pausedByPool = false
        throw error
      })
    },
    async resume() {
      await ready
      if (finished) throw new Error('the instance is gone')
      await unpauseContainer(container!)
      pausedByPool = false
    },
    async release() {
      if (finished) return
      await ready.catch(() => {})
      if (finished) return
      released = true
      finished = true
      unwatchPauses?.()
      waitAborter.abort()
      ;(await logs)?.stop()
      // The runtime sees its control connection end and waits for the next agent (runtime/agent-redial.mjs);
      // the container and its link folder stay for that agent to adopt.
      await link.close()
    },
    async memoryBytes() {
      if (finished || !container) return undefined
      return containerMemoryBytes(container)
    },
  }
}
