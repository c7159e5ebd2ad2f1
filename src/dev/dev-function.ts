import type { FunctionArtifact } from '../build/artifact'
import type { FunctionBuilder } from '../build/builder'
import type { LambdaOptions, ResolvedFunction } from '../config/types'
import type { SpareProcesses } from '../instances/spare-processes'
import { join } from 'node:path'
import { consola } from 'consola'
import { createFunctionBuilder } from '../build/builder'
import { LambdaError } from '../errors'
import { startProcessInstance } from '../instances/process-instance'
import { functionPrefix, logFunctionOutput } from '../log/function-log'
import { InstancePool } from '../pool/instance-pool'
import { devFunctionEnv } from './dev-env'

export interface DevFunctionContext {
  options: LambdaOptions
  /** Where dev bundles go (`.lambda/dev`). */
  outDir: string
  socketDir: string
  spares: SpareProcesses
  /** Called after each build: the files to watch may have changed. */
  onBuilt?: () => void
}

/**
 * One function under `lambda dev`: its incremental build, and the pool of child processes
 * running the latest successful build. A rebuild swaps in a new pool; the old one drains.
 */
export class DevFunction {
  readonly fn: ResolvedFunction
  artifact?: FunctionArtifact
  buildError?: LambdaError
  pool?: InstancePool
  /** Set while a build runs: requests wait for it so they get the newest code. */
  building?: Promise<void>
  private builder?: FunctionBuilder
  private buildAgain = false
  private version = 0
  private readonly ctx: DevFunctionContext

  constructor(fn: ResolvedFunction, ctx: DevFunctionContext) {
    this.fn = fn
    this.ctx = ctx
  }

  get name() {
    return this.fn.name
  }

  /** Files whose change should rebuild this function. */
  watches(path: string): boolean {
    if (this.artifact?.inputs.includes(path)) return true
    // After a failed build the import graph is unknown: anything in the function's folder counts.
    return (this.buildError !== undefined || !this.artifact) && path.startsWith(`${this.fn.dir}/`)
  }

  /** Rebuilds; concurrent calls coalesce into one more build after the running one. */
  rebuild(): Promise<void> {
    if (this.building) {
      this.buildAgain = true
      return this.building
    }
    this.building = (async () => {
      do {
        this.buildAgain = false
        await this.buildOnce()
      } while (this.buildAgain)
    })().finally(() => {
      this.building = undefined
      this.ctx.onBuilt?.()
    })
    return this.building
  }

  private async buildOnce() {
    if (this.fn.kind !== 'node') return
    const started = performance.now()
    try {
      // Dev bundles are rebuilt at will: skip fsync, it costs more than the build.
      this.builder ??= await createFunctionBuilder(this.fn, this.ctx.options, join(this.ctx.outDir, this.fn.name), { durable: false })
      const artifact = await this.builder.build()
      const hadError = this.buildError !== undefined
      this.buildError = undefined
      const unchanged = this.artifact?.hash === artifact.hash && this.pool !== undefined
      this.artifact = artifact
      if (unchanged) {
        if (hadError) consola.success(`${functionPrefix(this.name)} build fixed`)
        return
      }
      this.swapPool(artifact)
      consola.success(`${functionPrefix(this.name)} built in ${Math.round(performance.now() - started)}ms`)
    }
    catch (error) {
      this.buildError = LambdaError.is(error) ? error : new LambdaError({ code: 'BUILD_FAILED', message: String(error) })
      consola.error(`${functionPrefix(this.name)} ${this.buildError.message}`)
    }
  }

  private swapPool(artifact: FunctionArtifact) {
    const previous = this.pool
    const version = String(++this.version)
    const { fn, ctx } = this
    const env = devFunctionEnv(fn)
    this.pool = new InstancePool({
      name: fn.name,
      version,
      concurrency: fn.concurrency,
      minInstances: 0,
      maxInstances: fn.maxInstances,
      idleTimeoutMs: 0,
      queueTimeoutMs: fn.timeout * 1000,
      maxWaiting: fn.queue.maxWaiting,
      maxWaitMs: fn.queue.maxWait === undefined ? undefined : fn.queue.maxWait * 1000,
      launch: () => startProcessInstance({
        name: fn.name,
        version: '$LATEST',
        timeout: fn.timeout,
        concurrency: fn.concurrency,
        memory: fn.memory,
        env,
        dev: true,
        bundlePath: artifact.bundlePath!,
        socketDir: ctx.socketDir,
        inheritEnv: true,
        // Memory limits are the agent's to enforce; a heap cap would also cost ~20 ms per start.
        limitMemory: false,
        spares: ctx.spares,
        onOutput: (line, stream) => logFunctionOutput(fn.name, line, stream),
      }),
    })
    // Start the new code right away so the next request does not wait for it.
    this.pool.warm(true).catch(() => {})
    if (previous) void previous.drain()
  }

  async dispose() {
    await this.building?.catch(() => {})
    await this.builder?.dispose()
    await this.pool?.drain(2000)
  }
}
