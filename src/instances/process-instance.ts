import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import type { Instance, InstanceExit, InstanceSpec } from './types'
import { HEAP_EXHAUSTED, readStartupError, startFailedError } from './startup-error'
import type { SpareProcesses } from './spare-processes'
import { spawnRuntime } from './spare-processes'

export interface ProcessInstanceOptions extends InstanceSpec {
  bundlePath: string
  /** Folder for the socket; its path must stay short (unix sockets allow ~107 bytes). */
  socketDir: string
  /** Pass this process's environment on (lambda dev), or only a minimal one (the agent). */
  inheritEnv: boolean
  /**
   * Enforce `memory` without cgroups (the process provider): the V8 heap is capped and the
   * process is killed when its resident memory passes the limit.
   */
  limitMemory: boolean
  spares?: SpareProcesses
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
}

const BASE_ENV_KEYS = ['PATH', 'LANG', 'TZ', 'HOME', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE']

export function runtimeBaseEnv(inheritEnv: boolean): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {}
  if (inheritEnv) Object.assign(base, process.env)
  else for (const key of BASE_ENV_KEYS) if (process.env[key]) base[key] = process.env[key]
  delete base.NODE_OPTIONS
  return base
}

function functionEnv(options: ProcessInstanceOptions, socketPath: string): Record<string, string> {
  return {
    ...options.env,
    LAMBDA_SOCKET: socketPath,
    LAMBDA_HANDLER: options.bundlePath,
    LAMBDA_FUNCTION_NAME: options.name,
    LAMBDA_FUNCTION_VERSION: options.version,
    LAMBDA_TIMEOUT: String(options.timeout),
    LAMBDA_MEMORY: String(options.memory),
    LAMBDA_DEV: options.dev ? '1' : '0',
  }
}

const PAGE_SIZE = 4096

/**
 * Buffers live outside the V8 heap, so a heap cap alone does not bound a process. Without cgroups
 * the best a plain process gets is a watch on its resident set, read from /proc every 50 ms.
 */
function watchResidentMemory(pid: number, limitMb: number, onExceeded: () => void): NodeJS.Timeout | undefined {
  if (process.platform !== 'linux') return undefined
  const limit = limitMb * 1024 * 1024
  const timer = setInterval(() => {
    try {
      const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE
      if (resident > limit) {
        clearInterval(timer)
        onExceeded()
      }
    }
    catch {
      clearInterval(timer)
    }
  }, 50)
  timer.unref()
  return timer
}

/** Starts the runtime as a child process (a waiting spare when there is one): one instance. */
export function startProcessInstance(options: ProcessInstanceOptions): Instance {
  const id = `${options.name}-${randomBytes(4).toString('hex')}`
  const socketPath = join(options.socketDir, `${id}.sock`)
  const nodeArgs = options.limitMemory ? [`--max-old-space-size=${options.memory}`] : []
  const env = functionEnv(options, socketPath)
  let child = options.spares?.take(nodeArgs)
  if (child) {
    child.ref()
    child.channel?.ref()
    child.send({ type: 'assign', env })
  }
  else {
    child = spawnRuntime({ ...runtimeBaseEnv(options.inheritEnv), ...env }, nodeArgs)
  }

  let heapExhausted = false
  let overLimit = false
  const watchdog = options.limitMemory ? watchResidentMemory(child.pid!, options.memory, () => {
    overLimit = true
    child.kill('SIGKILL')
  }) : undefined
  for (const stream of ['stdout', 'stderr'] as const) {
    const lines = createInterface({ input: child[stream]! })
    lines.on('line', (line) => {
      if (stream === 'stderr' && HEAP_EXHAUSTED.test(line)) heapExhausted = true
      options.onOutput?.(line, stream)
    })
  }

  let markReady!: () => void
  let markFailed!: (error: Error) => void
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve
    markFailed = reject
  })
  ready.catch(() => {})
  child.on('message', (message: { type?: string }) => {
    if (message?.type === 'ready') markReady()
  })

  const exited = new Promise<InstanceExit>((resolve) => {
    child.once('error', (error) => {
      const exit = { code: null, signal: null, startupError: `could not start node: ${error.message}` }
      markFailed(startFailedError(options.name, exit))
      resolve(exit)
    })
    child.once('exit', async (code, signal) => {
      if (watchdog) clearInterval(watchdog)
      const exit: InstanceExit = { code, signal, oomKilled: heapExhausted || overLimit, startupError: await readStartupError(socketPath) }
      // Exit before 'ready' means it never served: say why, with the function's own error.
      markFailed(startFailedError(options.name, exit))
      resolve(exit)
    })
  })

  const alive = () => child.exitCode === null && child.signalCode === null
  return {
    id,
    socketPath,
    ready,
    exited,
    async stop(graceMs = 5000) {
      if (!alive()) return void (await exited)
      child.kill('SIGTERM')
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
    async kill() {
      if (alive()) child.kill('SIGKILL')
      await exited
    },
  }
}
