import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
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

/**
 * Starts a process and resolves once its output matches `ready`. Output goes to a file, not a pipe
 * into this process: a server logging every request must not make the load generator read it.
 */
export function startProcess(command, args, { ready, cwd, env } = {}) {
  const logFile = join(mkdtempSync(join(tmpdir(), 'bench-log-')), 'output.log')
  const fd = openSync(logFile, 'w')
  const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  const output = () => readFileSync(logFile, 'utf8')
  const handle = { child, output, logFile, stop: () => stop(child).then(() => rmSync(dirname(logFile), { recursive: true, force: true })) }
  return new Promise((resolve, reject) => {
    child.on('exit', code => reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output()}`)))
    if (!ready) return resolve(handle)
    const poll = setInterval(() => {
      const match = output().match(ready)
      if (match) {
        clearInterval(poll)
        resolve({ ...handle, match })
      }
    }, 20)
    child.on('exit', () => clearInterval(poll))
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
