import type { Instance } from '../../instances/types'
import type { Provider, ProviderContext } from '../types'
import { cp, mkdir, readdir, rm } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { bundleFileIn } from '../../build/module-format'
import { LambdaError } from '../../errors'
import { syncTree } from '../../fs/atomic-write'
import { runtimeBaseEnv, startProcessInstance } from '../../instances/process-instance'
import { SpareProcesses } from '../../instances/spare-processes'
import { makeLinkDir, removeLinkDir } from '../link-dir'
import { FrozenProcesses } from './frozen-processes'

/**
 * Functions as child processes of the runtime, for hosts without Docker. Nothing isolates them from
 * the host or each other; the agent says so when it starts.
 */
export function createProcessProvider(ctx: ProviderContext): Provider {
  const imagesDir = join(ctx.dataDir, 'images')
  let socketDir: string | undefined
  const spares = new SpareProcesses(() => runtimeBaseEnv(false))
  const running = new Set<Instance>()
  const frozen = new FrozenProcesses(join(ctx.dataDir, 'frozen-processes.json'))

  return {
    name: 'process',
    isolated: false,
    async init() {
      // Running children end with the agent (their link's control connection closes); paused ones cannot notice, and are ended here.
      const orphansRemoved = await frozen.endLeftovers()
      socketDir = await makeLinkDir(ctx.dataDir)
      return { orphansRemoved }
    },
    async buildImage(request) {
      if (request.kind !== 'node') {
        throw new LambdaError({
          code: 'PROVIDER_UNSUPPORTED',
          status: 501,
          message: `Function "${request.name}" is built from its own Dockerfile, which the process provider cannot run.`,
          hint: 'Run the agent with Docker (`lambda agent --provider docker`) to deploy container functions.',
        })
      }
      const dir = join(imagesDir, request.name, `v${request.version}`)
      await rm(dir, { recursive: true, force: true })
      await mkdir(dir, { recursive: true })
      await cp(request.contextDir, dir, { recursive: true })
      // The version record that points here is fsynced: so is what it points to, or a power loss could leave it empty.
      await syncTree(dir)
      return { ref: dir }
    },
    startInstance(request) {
      const onOutput = ctx.onOutput
      const instance: Instance = startProcessInstance({
        name: request.name,
        version: String(request.version),
        timeout: request.config.timeout,
        concurrency: request.config.concurrency,
        memory: request.config.memory,
        env: request.env,
        bundlePath: bundleFileIn(request.image.ref),
        socketDir: socketDir!,
        inheritEnv: false,
        limitMemory: true,
        spares,
        onFrozen: (pid, isFrozen) => frozen.mark(pid, isFrozen),
        // Lines arrive after this returns, so `instance` is set by then.
        onOutput: onOutput && ((line, stream, cutBytes) => onOutput({ function: request.name, version: request.version, instance: instance.id, stream, line, cutBytes })),
      })
      running.add(instance)
      instance.exited.then(() => running.delete(instance))
      return instance
    },
    async listImages(name) {
      const dir = join(imagesDir, name)
      const entries = await readdir(dir).catch(() => [] as string[])
      return entries.filter(e => /^v\d+$/.test(e)).map(e => ({ ref: join(dir, e), version: Number(e.slice(1)) }))
    },
    async removeImage(image) {
      // Only ever delete inside our own images folder.
      if (!relative(imagesDir, image.ref).startsWith('..')) await rm(image.ref, { recursive: true, force: true })
    },
    async close() {
      spares.close()
      await Promise.all([...running].map(instance => instance.kill()))
      await removeLinkDir(ctx.dataDir, socketDir)
    },
  }
}
