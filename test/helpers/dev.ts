import type { LongRunning } from './cli'
import type { HttpResult, RequestInit } from './http'
import { startCli } from './cli'
import { request } from './http'
import { freePort } from './ports'

export interface DevHandle {
  port: number
  process: LongRunning
  /** Request to `<fn>.localhost:<port>` (or the bare host when fn is undefined). */
  call: (fn: string | undefined, path?: string, init?: RequestInit) => Promise<HttpResult>
  stop: () => Promise<void>
}

/** Starts the real `lambda dev` on a free port and waits until it prints its URLs. */
export async function startDev(cwd: string, extraArgs: string[] = [], env?: Record<string, string | undefined>): Promise<DevHandle> {
  const port = await freePort()
  const proc = startCli(['dev', '--port', String(port), ...extraArgs], { cwd, env })
  const [, printedPort] = await proc.waitFor(/dev server on http:\/\/localhost:(\d+)\//, 60_000)
  const actual = Number(printedPort)
  return {
    port: actual,
    process: proc,
    call: (fn, path = '/', init = {}) => request(actual, path, { host: fn ? `${fn}.localhost:${actual}` : `localhost:${actual}`, ...init }),
    async stop() {
      await proc.stop()
    },
  }
}
