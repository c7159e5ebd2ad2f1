import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { runtimeBootstrapPath } from '../build/runtime-files'

export const RUNTIME_NODE_ARGS = ['--enable-source-maps']

/** Spawns the runtime bootstrap with its stdout/stderr piped and an IPC channel. */
export function spawnRuntime(env: NodeJS.ProcessEnv, nodeArgs: string[]): ChildProcess {
  return spawn(process.execPath, [...RUNTIME_NODE_ARGS, ...nodeArgs, runtimeBootstrapPath()], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
}

/**
 * Keeps one booted runtime per set of Node flags waiting for a function (see runtime/spare.mjs),
 * and starts the next spare as soon as one is taken.
 */
export class SpareProcesses {
  private readonly spares = new Map<string, ChildProcess>()
  private closed = false
  private readonly baseEnv: () => NodeJS.ProcessEnv

  constructor(baseEnv: () => NodeJS.ProcessEnv) {
    this.baseEnv = baseEnv
  }

  /** A waiting spare started with `nodeArgs`, if one is alive; a new spare is started either way. */
  take(nodeArgs: string[]): ChildProcess | undefined {
    if (this.closed) return undefined
    const key = nodeArgs.join(' ')
    const spare = this.spares.get(key)
    this.spares.delete(key)
    this.prepare(nodeArgs)
    return spare && spare.exitCode === null && spare.signalCode === null && spare.connected ? spare : undefined
  }

  /** Starts a spare for `nodeArgs` unless one is waiting. */
  prepare(nodeArgs: string[]) {
    const key = nodeArgs.join(' ')
    if (this.closed || this.spares.has(key)) return
    const child = spawnRuntime({ ...this.baseEnv(), LAMBDA_SPARE: '1' }, nodeArgs)
    child.once('exit', () => {
      if (this.spares.get(key) === child) this.spares.delete(key)
    })
    // A spare must never keep its parent alive.
    child.unref()
    child.channel?.unref()
    this.spares.set(key, child)
  }

  close() {
    this.closed = true
    for (const child of this.spares.values()) child.kill('SIGKILL')
    this.spares.clear()
  }
}
