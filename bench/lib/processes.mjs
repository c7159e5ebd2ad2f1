import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const cli = fileURLToPath(new URL('../../bin/lambda.mjs', import.meta.url))

export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts a process and resolves once its output matches `ready`. */
export function startProcess(command, args, { ready, cwd, env } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let started = !ready
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      // Keep only the tail: under load a server logs every request, and the benchmark must not pay for it.
      output = (output + d).slice(-65536)
      if (started) return
      const match = output.match(ready)
      if (match) {
        started = true
        resolve({ child, match, output: () => output, stop: () => stop(child) })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', code => reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)))
    if (!ready) resolve({ child, output: () => output, stop: () => stop(child) })
  })
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 5000).unref()
  })
}
