import type { LoadOptions } from '../config/load'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listen } from 'listhen'
import { loadLambdaOptions } from '../config/load'
import { toNodeHandlerWithFastPath } from '../http/node-fast-path'
import { runtimeBaseEnv } from '../instances/process-instance'
import { SpareProcesses } from '../instances/spare-processes'
import { createDevApp, createDevFastPath } from './dev-app'
import { DevRegistry } from './dev-registry'
import { DevSchedules } from './dev-schedules'
import { createProjectWatcher } from './watcher'

export interface DevServerOptions extends LoadOptions {
  port?: number
  host?: string
  /** Fire the project's schedules. Default: true (`lambda dev --no-schedules` turns them off). */
  schedules?: boolean
}

export interface DevServer {
  url: string
  port: number
  registry: DevRegistry
  /** Undefined with `schedules: false`. */
  schedules?: DevSchedules
  close: () => Promise<void>
}

/** Builds every function, starts the local gateway and rebuilds on every save. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const options = await loadLambdaOptions(opts)
  // Unix socket paths are limited to ~107 bytes, so they live in a short temp folder, not the project.
  const socketDir = mkdtempSync(join(tmpdir(), 'lambda-dev-'))
  const spares = new SpareProcesses(() => runtimeBaseEnv(true))
  spares.prepare([])
  // Set once the first builds are done; builds call onBuilt before that.
  let schedules: DevSchedules | undefined
  const watcher = createProjectWatcher(paths => void registry.onFilesChanged(paths))
  const registry: DevRegistry = new DevRegistry(options, opts, {
    outDir: join(options.rootDir, '.lambda', 'dev'),
    socketDir,
    spares,
    onBuilt: () => {
      watcher.setDirectories(registry.watchedDirectories())
      schedules?.sync()
    },
  })
  await registry.apply(options)
  watcher.setDirectories(registry.watchedDirectories())
  schedules = opts.schedules === false ? undefined : new DevSchedules(registry)
  schedules?.sync()

  let port = opts.port ?? options.dev.port
  const app = createDevApp(registry, () => port)
  const listener = await listen(toNodeHandlerWithFastPath(app, createDevFastPath(registry)), {
    port,
    hostname: opts.host ?? options.dev.host,
    showURL: false,
    isProd: false,
    autoClose: false,
  })
  port = Number(new URL(listener.url).port)

  let closed = false
  return {
    url: listener.url,
    port,
    registry,
    schedules,
    async close() {
      if (closed) return
      closed = true
      schedules?.close()
      watcher.close()
      await listener.close()
      await registry.close()
      spares.close()
      rmSync(socketDir, { recursive: true, force: true })
    },
  }
}
