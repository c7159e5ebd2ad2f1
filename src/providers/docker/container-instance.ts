import { randomBytes } from 'node:crypto'
import { chmod, mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type Dockerode from 'dockerode'
import type { Instance, InstanceExit } from '../../instances/types'
import { HEAP_EXHAUSTED, readStartupError, startFailedError } from '../../instances/startup-error'
import type { LaunchRequest } from '../types'
import { waitForSocket } from './wait-for-socket'
import { containerSpec } from './container-spec'

export interface ContainerInstanceOptions extends LaunchRequest {
  docker: Dockerode
  agentId: string
  /** Host folder holding one sub-folder per instance, bind-mounted at /run/lambda. */
  runDir: string
}

/** A container being created (not started) with its socket folder: all of a cold start but the start. */
export interface PreparedContainer {
  id: string
  hostDir: string
  created: Promise<Dockerode.Container>
}


async function tailLogs(container: Dockerode.Container, lines = 20): Promise<string> {
  try {
    const buffer = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false }) as unknown as Buffer
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
  const id = `ml-${options.name}-v${options.version}-${randomBytes(3).toString('hex')}`
  const hostDir = join(options.runDir, id)
  const created = (async () => {
    await mkdir(hostDir, { recursive: true })
    // The function runs as an unprivileged user that must be able to create its socket here.
    await chmod(hostDir, 0o777)
    return options.docker.createContainer(containerSpec(options, id, hostDir))
  })()
  created.catch(() => rm(hostDir, { recursive: true, force: true }).catch(() => {}))
  return { id, hostDir, created }
}

export async function discardPrepared(prepared: PreparedContainer): Promise<void> {
  const container = await prepared.created.catch(() => undefined)
  await container?.remove({ force: true }).catch(() => {})
  await rm(prepared.hostDir, { recursive: true, force: true }).catch(() => {})
}

/**
 * One function instance as a container that serves on a unix socket in a bind-mounted folder.
 * Given a prepared container, a cold start is only `docker start` and the runtime's own start.
 */
export function startContainerInstance(options: ContainerInstanceOptions, prepared: PreparedContainer): Instance {
  const { id, hostDir } = prepared
  const socketPath = join(hostDir, 'fn.sock')
  let container: Dockerode.Container | undefined
  let resolveExit!: (exit: InstanceExit) => void
  const exited = new Promise<InstanceExit>(resolve => (resolveExit = resolve))
  let finished = false

  const finish = async (exit: InstanceExit) => {
    if (finished) return
    finished = true
    await discardPrepared(prepared)
    resolveExit(exit)
  }

  const ready = (async () => {
    container = await prepared.created
    const waiting = container.wait({ condition: 'next-exit' }).then(async (result: { StatusCode: number }) => {
      const state = await container!.inspect().then(info => info.State).catch(() => undefined)
      let startupError = await readStartupError(socketPath)
      let oomKilled = state?.OOMKilled ?? false
      if (result.StatusCode === 134 || (!startupError && !oomKilled)) {
        const logs = await tailLogs(container!)
        if (HEAP_EXHAUSTED.test(logs)) oomKilled = true
        else if (!startupError && logs) startupError = logs.split('\n').slice(-10).join('\n')
      }
      await finish({ code: result.StatusCode, signal: null, oomKilled, startupError })
    }, () => finish({ code: null, signal: null }))
    await container.start()
    await waitForSocket(socketPath, waiting)
  })()

  const failed = ready.catch(async (error) => {
    if (!finished) await finish({ code: null, signal: null, startupError: (error as Error).message })
    throw startFailedError(options.name, await exited)
  })
  failed.catch(() => {})

  return {
    id,
    socketPath,
    ready: ready.then(() => undefined, () => failed),
    exited,
    async stop(graceMs = 10_000) {
      if (finished) return void (await exited)
      await ready.catch(() => {})
      await container?.stop({ t: Math.ceil(graceMs / 1000) }).catch(() => {})
      await finish({ code: 0, signal: 'SIGTERM' })
    },
    async kill() {
      if (finished) return void (await exited)
      await ready.catch(() => {})
      await container?.kill().catch(() => {})
      await finish({ code: null, signal: 'SIGKILL' })
    },
  }
}
