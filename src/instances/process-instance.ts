import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import type { Instance, InstanceExit, InstanceSpec } from './types'
import { readStartupError, startFailedError } from './startup-error'
import type { SpareProcesses } from './spare-processes'
import { spawnRuntime } from './spare-processes'

export interface ProcessInstanceOptions extends InstanceSpec {
  bundlePath: string
  /** Folder for the socket; its path must stay short (unix sockets allow ~107 bytes). */
  socketDir: string
  /** Pass this process's environment on (lambda dev), or only a minimal one (the agent). */
  inheritEnv: boolean
  /** Cap the V8 heap at `memory` MB (the process provider's stand-in for a cgroup limit). */
  limitHeap: boolean
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

const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit/

/** Starts the runtime as a child process (a waiting spare when there is one): one instance. */
export function startProcessInstance(options: ProcessInstanceOptions): Instance {
  const id = `${options.name}-${randomBytes(4).toString('hex')}`
  const socketPath = join(options.socketDir, `${id}.sock`)
  const nodeArgs = options.limitHeap ? [`--max-old-space-size=${options.memory}`] : []
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
      const exit: InstanceExit = { code, signal, oomKilled: heapExhausted, startupError: await readStartupError(socketPath) }
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
