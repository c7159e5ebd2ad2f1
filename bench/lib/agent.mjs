import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, freePort, repoRoot, startProcess } from './processes.mjs'

/**
 * Starts `lambda agent` on a free port with a fresh data dir; resolves with its port, key and env for the CLI.
 * AGENT_EXEC_ARGV (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`): Node flags for the agent, to profile it under a bench's load.
 */
export async function startAgent({ provider = 'docker', idleTimeout = 300, extraArgs = [] } = {}) {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-agent-'))
  const agent = await startProcess(process.execPath, [...(process.env.AGENT_EXEC_ARGV ? process.env.AGENT_EXEC_ARGV.split(' ') : []), cli, 'agent', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--provider', provider, '--idle-timeout', String(idleTimeout), ...extraArgs], { ready: /Agent ready/ })
  const key = agent.output().match(/mlk_[a-z0-9]{8}_[\w-]{43}/)[0]
  const settingsDir = mkdtempSync(join(tmpdir(), 'bench-cli-'))
  const env = { ...process.env, LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: key, XDG_CONFIG_HOME: settingsDir, NO_COLOR: '1' }
  const agentId = JSON.parse(readFileSync(join(dataDir, 'state/meta/agent'), 'utf8')).id
  const pid = agent.child.pid
  const removeImages = () => {
    const images = execFileSync('docker', ['images', '-q', '--filter', `label=mini-lambda.agent=${agentId}`], { encoding: 'utf8' }).split('\n').filter(Boolean)
    if (images.length > 0) execFileSync('docker', ['rmi', '-f', ...new Set(images)], { stdio: 'ignore' })
  }
  const stop = async () => {
    await agent.stop()
    if (provider === 'docker') removeImages()
    rmSync(settingsDir, { recursive: true, force: true })
  }
  return { port, key, dataDir, env, agentId, pid, stop, output: agent.output }
}

/** A copy of the sample project to deploy. */
export function sampleProject() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-project-'))
  cpSync(join(repoRoot, 'functions'), join(dir, 'functions'), { recursive: true })
  cpSync(join(repoRoot, 'lambda.config.ts'), join(dir, 'lambda.config.ts'))
  return dir
}

/** Runs the CLI and returns its wall time in ms. */
export function timedCli(args, { cwd, env }) {
  const started = performance.now()
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, env, encoding: 'utf8' })
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`lambda ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
  return { ms, output: result.stdout + result.stderr }
}

/** Running containers of one function of this agent (created-but-not-started spares excluded). */
export function containersOf(agentId, fn) {
  return execFileSync('docker', ['ps', '--format', '{{.ID}} {{.Names}}', '--filter', `label=mini-lambda.agent=${agentId}`, '--filter', `label=mini-lambda.function=${fn}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, name] = line.split(' ')
      return { id, name }
    })
}

/** Host pids of the function's running containers (what /proc and the CPU figures need). */
export function containerPids(agentId, fn) {
  return containersOf(agentId, fn).map(({ id }) => Number(execFileSync('docker', ['inspect', '--format', '{{.State.Pid}}', id], { encoding: 'utf8' }).trim()))
}
