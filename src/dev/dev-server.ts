import type { LoadOptions } from '../config/load'
import type { PortHints } from '../http/check-port'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listen } from 'listhen'
import { loadLambdaOptions } from '../config/load'
import { checkPortFree } from '../http/check-port'
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
  /** The port asked for (--port, dev.port or the default); `port` differs when that one was taken. */
  requestedPort: number
  registry: DevRegistry
  /** Undefined with `schedules: false`. */
  schedules?: DevSchedules
  close: () => Promise<void>
}

const DEV_PORT_HINTS: PortHints = {
  anotherPort: 'run `lambda dev --port <another port>` (without --port, lambda dev takes a free one)',
  privileged: 'Use a port from 1024 up, e.g. `lambda dev --port 3000`.',
}

/** Builds every function, starts the local gateway and rebuilds on every save. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const options = await loadLambdaOptions(opts)
  const hostname = opts.host ?? options.dev.host
  const requestedPort = opts.port ?? options.dev.port
  // A --port the user gave is exact (their scripts and bookmarks use it): taken is an error. Only the
  // default, or the config's dev.port, moves to a free port, and the command says so.
  const exact = opts.port !== undefined && opts.port !== 0
  if (exact) await checkPortFree(opts.port!, hostname, DEV_PORT_HINTS)
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

  let port = requestedPort
  const app = createDevApp(registry, () => port)
  const listener = await listen(toNodeHandlerWithFastPath(app, createDevFastPath(registry)), {
    // get-port-please's own notice is a raw "[get-port]" line: the dev command says it better.
    port: exact ? { port, alternativePortRange: [port, port], random: false, verbose: false } : { port, verbose: false },
    hostname,
    showURL: false,
    isProd: false,
    autoClose: false,
  })
  port = Number(new URL(listener.url).port)

  let closed = false
  return {
    url: listener.url,
    port,
    requestedPort,
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
