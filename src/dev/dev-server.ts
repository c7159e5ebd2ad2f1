import type { LoadOptions } from '../config/load'
import type { PortHints } from '../http/check-port'
import type { DevAddress } from './dev-address'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listen } from 'listhen'
import { loadLambdaOptions } from '../config/load'
import { LambdaError } from '../errors'
import { checkPortFree } from '../http/check-port'
import { toNodeHandlerWithFastPath } from '../http/node-fast-path'
import { runtimeBaseEnv } from '../instances/process-instance'
import { SpareProcesses } from '../instances/spare-processes'
import { devBaseURL } from './dev-address'
import { createDevApp, createDevFastPath } from './dev-app'
import { DevRegistry } from './dev-registry'
import { DevSchedules } from './dev-schedules'
import { checkListenHost } from './listen-host'
import { createProjectWatcher } from './watcher'

export interface DevServerOptions extends LoadOptions {
  port?: number
  host?: string
  /** Fire the project's schedules. Default: true (`lambda dev --no-schedules` turns them off). */
  schedules?: boolean
}

export interface DevServer {
  /** The URL people open: `http://localhost:3000/`, or the interface's own when localhost does not reach it. */
  url: string
  port: number
  /** Where it listens (`--host`, dev.host) and the port it got. */
  address: DevAddress
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
  await checkListenHost(hostname)
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

  // Everything started so far, stopped in order (also when listening fails).
  let listener: Awaited<ReturnType<typeof listen>> | undefined
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    schedules?.close()
    watcher.close()
    await listener?.close()
    await registry.close()
    spares.close()
    rmSync(socketDir, { recursive: true, force: true })
  }

  const address: DevAddress = { hostname, port: requestedPort }
  const app = createDevApp(registry, () => address)
  try {
    listener = await listen(toNodeHandlerWithFastPath(app, createDevFastPath(registry, () => address)), {
      // get-port-please's own notice is a raw "[get-port]" line: the dev command says it better.
      port: exact ? { port: requestedPort, alternativePortRange: [requestedPort, requestedPort], random: false, verbose: false } : { port: requestedPort, verbose: false },
      hostname,
      showURL: false,
      isProd: false,
      autoClose: false,
    })
  }
  catch (error) {
    // The checks above leave little to fail here (a port taken in between): still a message, never a stack.
    await close()
    throw new LambdaError({ code: 'LISTEN_FAILED', status: 500, message: `lambda dev cannot listen on ${hostname}:${requestedPort}: ${(error as Error).message}`, hint: 'Check --host and --port (or dev.host and dev.port in lambda.config.ts).', cause: error })
  }
  address.port = Number(new URL(listener.url).port)

  return { url: devBaseURL(address), port: address.port, address, requestedPort, registry, schedules, close }
}
