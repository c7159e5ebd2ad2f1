import { randomBytes } from 'node:crypto'
import { chmod, mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type Dockerode from 'dockerode'
import type { Instance, InstanceExit } from '../../instances/types'
import { readStartupError, startFailedError } from '../../instances/startup-error'
import type { LaunchRequest } from '../types'
import { waitForSocket } from './wait-for-socket'
import { containerSpec } from './container-spec'

export interface ContainerInstanceOptions extends LaunchRequest {
  docker: Dockerode
  agentId: string
  /** Host folder holding one sub-folder per instance, bind-mounted at /run/lambda. */
  runDir: string
}

const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit/

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

/** One function instance as a container that serves on a unix socket in a bind-mounted folder. */
export function startContainerInstance(options: ContainerInstanceOptions): Instance {
  const { docker } = options
  const id = `ml-${options.name}-v${options.version}-${randomBytes(3).toString('hex')}`
  const hostDir = join(options.runDir, id)
  const socketPath = join(hostDir, 'fn.sock')
  let container: Dockerode.Container | undefined
  let resolveExit!: (exit: InstanceExit) => void
  const exited = new Promise<InstanceExit>(resolve => (resolveExit = resolve))
  let finished = false

  const finish = async (exit: InstanceExit) => {
    if (finished) return
    finished = true
    await container?.remove({ force: true }).catch(() => {})
    await rm(hostDir, { recursive: true, force: true }).catch(() => {})
    resolveExit(exit)
  }

  const ready = (async () => {
    await mkdir(hostDir, { recursive: true })
    // The function runs as an unprivileged user that must be able to create its socket here.
    await chmod(hostDir, 0o777)
    container = await docker.createContainer(containerSpec(options, id, hostDir))
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
    if (!container) await finish({ code: null, signal: null, startupError: (error as Error).message })
    const exit = await exited
    throw startFailedError(options.name, exit)
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
