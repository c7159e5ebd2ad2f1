// The campaign's own Docker engine, so "restart of dockerd" never touches the machine's: its own
// socket, data-root, exec-root and pidfile, no bridge and no iptables. Started and ended by PID.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { docker } from './inspect.mjs'

// Two campaigns at once (a soak and a shorter run) each need their own engine: CHAOS_ENGINE names it.
const NAME = process.env.CHAOS_ENGINE || 'mini-lambda-chaos'
if (!/^[\w.-]+$/.test(NAME)) throw new Error(`CHAOS_ENGINE=${NAME}: give a plain name, e.g. CHAOS_ENGINE=soak`)
const ROOT = `/var/lib/${NAME}`
const RUN = `/run/${NAME}`
const sleep = ms => new Promise(r => setTimeout(r, ms))

export function ownDockerd(workDir) {
  const socket = join(RUN, 'docker.sock')
  const env = { DOCKER_HOST: `unix://${socket}` }
  let child
  const start = async () => {
    mkdirSync(RUN, { recursive: true })
    const fd = openSync(join(workDir, 'dockerd.log'), 'a')
    child = spawn('dockerd', ['--host', env.DOCKER_HOST, '--data-root', join(ROOT, 'data'), '--exec-root', join(RUN, 'exec'), '--pidfile', join(RUN, 'docker.pid'), '--bridge', 'none', '--iptables=false', '--ip-masq=false'], { stdio: ['ignore', fd, fd] })
    closeSync(fd)
    for (let i = 0; i < 120; i++) {
      try {
        docker(['info', '--format', '{{.ID}}'], env)
        return
      }
      catch {}
      if (child.exitCode !== null) break
      await sleep(500)
    }
    throw new Error(`chaos: our dockerd did not start; see ${join(workDir, 'dockerd.log')}`)
  }
  const stop = async (signal = 'SIGTERM') => {
    if (!child || child.exitCode !== null) return
    const exited = new Promise(r => child.once('exit', r))
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    await exited
    clearTimeout(timer)
  }
  const restart = async () => {
    await stop()
    await start()
  }
  return { env, start, stop, restart }
}
