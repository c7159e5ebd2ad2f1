import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { runtimeBootstrapPath } from '../build/runtime-files'
import type { Instance, InstanceExit, InstanceSpec } from './types'
import { readStartupError, startFailedError } from './startup-error'

export interface ProcessInstanceOptions extends InstanceSpec {
  bundlePath: string
  /** Folder for the socket; its path must stay short (unix sockets allow ~107 bytes). */
  socketDir: string
  /** Pass this process's environment on (lambda dev), or only a minimal one (the agent). */
  inheritEnv: boolean
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
}

const BASE_ENV_KEYS = ['PATH', 'LANG', 'TZ', 'HOME', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE']

function instanceEnv(options: ProcessInstanceOptions, socketPath: string): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {}
  if (options.inheritEnv) Object.assign(base, process.env)
  else for (const key of BASE_ENV_KEYS) if (process.env[key]) base[key] = process.env[key]
  delete base.NODE_OPTIONS
  return {
    ...base,
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

/** Starts the runtime as a child process: one instance, isolated from its caller's event loop. */
export function startProcessInstance(options: ProcessInstanceOptions): Instance {
  const id = `${options.name}-${randomBytes(4).toString('hex')}`
  const socketPath = join(options.socketDir, `${id}.sock`)
  const child = spawn(process.execPath, ['--enable-source-maps', `--max-old-space-size=${options.memory}`, runtimeBootstrapPath()], {
    env: instanceEnv(options, socketPath),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  for (const stream of ['stdout', 'stderr'] as const) {
    const lines = createInterface({ input: child[stream]! })
    lines.on('line', line => options.onOutput?.(line, stream))
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
    child.once('error', async (error) => {
      const exit = { code: null, signal: null, startupError: `could not start node: ${error.message}` }
      markFailed(startFailedError(options.name, exit))
      resolve(exit)
    })
    child.once('exit', async (code, signal) => {
      const exit: InstanceExit = { code, signal, startupError: await readStartupError(socketPath) }
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
