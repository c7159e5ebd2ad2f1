import type { HttpResult, RequestInit } from './http'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from './http'
import { runtimeBootstrap } from './paths'

export interface RuntimeHandle {
  socketPath: string
  pid: number
  output: () => string
  request: (path: string, init?: RequestInit) => Promise<HttpResult>
  exited: Promise<number | null>
  stop: () => Promise<void>
}

/** Starts runtime/bootstrap.mjs on a bundle, as the dev server and containers do, and waits for its socket. */
export async function startRuntime(handlerPath: string, env: Record<string, string> = {}): Promise<RuntimeHandle> {
  const socketDir = mkdtempSync(join(tmpdir(), 'rt-'))
  const socketPath = join(socketDir, 'fn.sock')
  const child = spawn(process.execPath, [runtimeBootstrap], {
    env: { PATH: process.env.PATH, LAMBDA_SOCKET: socketPath, LAMBDA_HANDLER: handlerPath, LAMBDA_FUNCTION_NAME: 'test-fn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  const deadline = Date.now() + 10_000
  while (!existsSync(socketPath)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`runtime did not start: ${output}`)
    await new Promise(r => setTimeout(r, 5))
  }
  return {
    socketPath,
    pid: child.pid!,
    output: () => output,
    request: (path, init = {}) => request(undefined, path, { socketPath, host: 'fn.localhost', ...init }),
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
      rmSync(socketDir, { recursive: true, force: true })
    },
  }
}
