// The campaign's own Docker engine, so "restart of dockerd" never touches the machine's: its own
// socket, data-root, exec-root and pidfile, no bridge and no iptables. Started and ended by PID.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { docker } from './inspect.mjs'

const ROOT = '/var/lib/mini-lambda-chaos'
const sleep = ms => new Promise(r => setTimeout(r, ms))

export function ownDockerd(workDir) {
  const socket = join('/run/mini-lambda-chaos', 'docker.sock')
  const env = { DOCKER_HOST: `unix://${socket}` }
  let child
  const start = async () => {
    mkdirSync('/run/mini-lambda-chaos', { recursive: true })
    const fd = openSync(join(workDir, 'dockerd.log'), 'a')
    child = spawn('dockerd', ['--host', env.DOCKER_HOST, '--data-root', join(ROOT, 'data'), '--exec-root', '/run/mini-lambda-chaos/exec', '--pidfile', '/run/mini-lambda-chaos/docker.pid', '--bridge', 'none', '--iptables=false', '--ip-masq=false'], { stdio: ['ignore', fd, fd] })
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
