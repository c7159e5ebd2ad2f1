// The agent as systemd runs it (Restart=always, --keep-instances): restarted whenever it exits, and
// killable with SIGKILL by the faults. Output of every run goes to one file.
import { spawn } from 'node:child_process'
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../bin/lambda.mjs', import.meta.url))
const sleep = ms => new Promise(r => setTimeout(r, ms))

/**
 * `env` carries DOCKER_HOST (the campaign's engine) and, for the clock jump, libfaketime's settings.
 * Resolves once the first start printed "Agent ready" and its key.
 */
export async function startAgentService({ port, dataDir, logFile, env, extraArgs = [] }) {
  const args = [cli, 'agent', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--provider', 'docker', '--keep-instances', '--idle-timeout', '60', ...extraArgs]
  let child
  let stopping = false
  let starts = 0
  const exits = []
  appendFileSync(logFile, '')
  const offsetOf = () => readFileSync(logFile, 'utf8').length

  const launch = () => {
    starts++
    appendFileSync(logFile, `\n--- chaos: start ${starts} at ${new Date().toISOString()}\n`)
    const fd = openSync(logFile, 'a')
    child = spawn(process.execPath, args, { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', fd, fd] })
    closeSync(fd)
    child.once('exit', (code, signal) => {
      exits.push({ at: Date.now(), code, signal })
      // RestartSec=1, as the unit `lambda agent install` writes.
      if (!stopping) setTimeout(launch, 1000)
    })
  }

  const from = offsetOf()
  launch()
  const key = await waitFor(() => readFileSync(logFile, 'utf8').slice(from).match(/mlk_[a-z0-9]{8}_[\w-]{43}/)?.[0], 180_000, 'the agent to print its key')
  await waitFor(() => /Agent ready/.test(readFileSync(logFile, 'utf8').slice(from)), 180_000, 'the agent to be ready')

  return {
    key,
    get pid() { return child?.exitCode === null ? child.pid : undefined },
    get starts() { return starts },
    exits,
    killHard() {
      if (child?.exitCode === null) child.kill('SIGKILL')
    },
    async stop() {
      stopping = true
      if (child?.exitCode !== null) return
      const exited = new Promise(r => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}

export async function waitFor(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`chaos: timed out after ${timeoutMs / 1000} s waiting for ${what}`)
    await sleep(100)
  }
}

export const agentLog = dir => join(dir, 'agent.log')
