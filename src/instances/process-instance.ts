import type { SpareProcesses } from './spare-processes'
import type { Instance, InstanceExit, InstanceSpec } from './types'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { LambdaError } from '../errors'
import { createLineSplitter } from '../log/line-splitter'
import { RuntimeLink } from './runtime-link'
import { spawnRuntime } from './spare-processes'
import { HEAP_EXHAUSTED, INIT_TIMED_OUT, INIT_TIMEOUT_MS, startFailedError } from './startup-error'

export interface ProcessInstanceOptions extends InstanceSpec {
  bundlePath: string
  /** Folder for the link's socket: the parent's own, and short (unix sockets allow ~107 bytes). */
  socketDir: string
  /** Pass this process's environment on (lambda dev), or only a minimal one (the agent). */
  inheritEnv: boolean
  /**
   * Enforce `memory` without cgroups (the process provider): the V8 heap is capped and the
   * process is killed when its resident memory passes the limit.
   */
  limitMemory: boolean
  spares?: SpareProcesses
  /** Told when the process is frozen (SIGSTOP) and thawed, with its pid: a frozen child cannot notice its parent die. */
  onFrozen?: (pid: number, frozen: boolean) => Promise<void> | void
  /** Each line the instance prints (cut at 8 KB: `cutBytes` says how much more there was). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr', cutBytes: number) => void
}

const BASE_ENV_KEYS = ['PATH', 'LANG', 'TZ', 'HOME', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE']

export function runtimeBaseEnv(inheritEnv: boolean): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {}
  if (inheritEnv) {
    Object.assign(base, process.env)
  }
  else {
    for (const key of BASE_ENV_KEYS) {
      if (process.env[key]) base[key] = process.env[key]
    }
  }
  delete base.NODE_OPTIONS
  return base
}

function functionEnv(options: ProcessInstanceOptions, agentSocket: string): Record<string, string> {
  return {
    ...options.env,
    LAMBDA_AGENT_SOCKET: agentSocket,
    LAMBDA_CONCURRENCY: String(options.concurrency),
    LAMBDA_HANDLER: options.bundlePath,
    LAMBDA_FUNCTION_NAME: options.name,
    LAMBDA_FUNCTION_VERSION: options.version,
    LAMBDA_TIMEOUT: String(options.timeout),
    LAMBDA_MEMORY: String(options.memory),
    LAMBDA_DEV: options.dev ? '1' : '0',
  }
}

const PAGE_SIZE = 4096

/** Resident bytes of a process, from the kernel's own account of it; undefined once it is gone. */
function residentBytes(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE
  }
  catch {
    return undefined
  }
}

/**
 * Buffers live outside the V8 heap, so a heap cap alone does not bound a process. Without cgroups
 * the best a plain process gets is a watch on its resident set, read from /proc every 50 ms.
 */
function watchResidentMemory(pid: number, limitMb: number, onExceeded: () => void): NodeJS.Timeout | undefined {
  if (process.platform !== 'linux') return undefined
  const limit = limitMb * 1024 * 1024
  const timer = setInterval(() => {
    const resident = residentBytes(pid)
    if (resident === undefined || resident > limit) {
      clearInterval(timer)
      if (resident !== undefined) onExceeded()
    }
  }, 50)
  timer.unref()
  return timer
}

/** Starts the runtime as a child process (a waiting spare when there is one): one instance. */
export function startProcessInstance(options: ProcessInstanceOptions): Instance {
  const suffix = randomBytes(4).toString('hex')
  const id = `${options.name}-${suffix}`
  // Not derived from the name: the path stays short whatever the function is called.
  const link = RuntimeLink.open({ socketPath: join(options.socketDir, `${suffix}.sock`), concurrency: options.concurrency, socketMode: 0o600 })
  const nodeArgs = options.limitMemory ? [`--max-old-space-size=${options.memory}`] : []
  const env = functionEnv(options, link.socketPath)
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
  const watchdog = options.limitMemory
    ? watchResidentMemory(child.pid!, options.memory, () => {
        overLimit = true
        child.kill('SIGKILL')
      })
    : undefined
  for (const stream of ['stdout', 'stderr'] as const) {
    // Bounded lines: a function printing one endless line cannot make the parent hold it.
    const lines = createLineSplitter((line, cutBytes) => {
      if (stream === 'stderr' && HEAP_EXHAUSTED.test(line)) heapExhausted = true
      options.onOutput?.(line, stream, cutBytes)
    })
    child[stream]!.on('data', (chunk: Buffer) => lines.push(chunk))
    child[stream]!.once('end', () => lines.end())
  }

  let initTimedOut = false
  let served = false
  link.ready.then(() => (served = true), () => {})
  const exited = new Promise<InstanceExit>((resolve) => {
    child.once('error', (error) => {
      void link.close()
      resolve({ code: null, signal: null, startupError: `could not start node: ${error.message}` })
    })
    child.once('exit', async (code, signal) => {
      if (watchdog) clearInterval(watchdog)
      const startupError = served ? undefined : await link.startupErrorAfterExit()
      void link.close()
      resolve({ code, signal, oomKilled: heapExhausted || overLimit, startupError: startupError ?? (initTimedOut ? INIT_TIMED_OUT : undefined) })
    })
  })
  let initTimer: NodeJS.Timeout | undefined
  const ready = Promise.race([
    link.ready,
    // Exit before the first connection means it never served: say why, with the function's own error.
    exited.then(exit => Promise.reject(startFailedError(options.name, exit, options))),
    new Promise<never>((_, reject) => {
      initTimer = setTimeout(() => {
        initTimedOut = true
        child.kill('SIGKILL')
        exited.then(exit => reject(startFailedError(options.name, exit, options)))
      }, INIT_TIMEOUT_MS)
      initTimer.unref()
    }),
  ]).finally(() => clearTimeout(initTimer)).catch((error) => {
    if (LambdaError.is(error)) throw error
    // The link's socket could not be bound: the instance could never be reached.
    child.kill('SIGKILL')
    throw startFailedError(options.name, { code: null, signal: null, startupError: `the agent could not listen on ${link.socketPath} (${(error as Error).message})` }, options)
  })
  ready.catch(() => {})

  const alive = () => child.exitCode === null && child.signalCode === null
  let frozen = false
  let stopping = false
  const thaw = () => {
    if (!frozen) return
    frozen = false
    child.kill('SIGCONT')
    void options.onFrozen?.(child.pid!, false)
  }
  void exited.then(() => frozen && options.onFrozen?.(child.pid!, false))
  return {
    id,
    link,
    ready,
    exited,
    async stop(graceMs = 5000) {
      if (!alive()) return void (await exited)
      stopping = true
      child.kill('SIGTERM')
      // A stopped process keeps the SIGTERM pending until it runs again: let it, so its handler runs.
      thaw()
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
    async kill() {
      stopping = true
      if (alive()) child.kill('SIGKILL')
      await exited
    },
    async pause() {
      await ready
      if (!alive() || frozen || stopping) return
      // Recorded first: should the agent die before the thaw, its next start finds and ends this process.
      await options.onFrozen?.(child.pid!, true)
      // Stopped meanwhile: a SIGSTOP now would hold its SIGTERM until the SIGKILL.
      if (frozen) return
      if (!alive() || stopping) return void options.onFrozen?.(child.pid!, false)
      frozen = true
      child.kill('SIGSTOP')
    },
    async resume() {
      await ready
      if (!alive()) throw new Error('the instance is gone')
      thaw()
    },
    async memoryBytes() {
      return alive() ? residentBytes(child.pid!) : undefined
    },
  }
}
