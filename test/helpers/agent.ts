import type { CliResult, LongRunning } from './cli'
import type { HttpResult, RequestInit } from './http'
import type { TempProject } from './project'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { runCli, startCli } from './cli'
import { request } from './http'
import { freePort } from './ports'

export interface AgentProcess {
  port: number
  key: string
  dataDir: string
  domain: string
  process: LongRunning
  /** Env for CLI commands that talk to this agent (LAMBDA_HOST, LAMBDA_API_KEY, a private settings dir). */
  env: Record<string, string>
  /** A request to `<fn>.<domain>:<port>` over 127.0.0.1. */
  call: (fn: string, path?: string, init?: RequestInit) => Promise<HttpResult>
  /** A request to the admin API (`/_lambda…` on the bare host), with the key unless told otherwise. */
  admin: (path: string, init?: RequestInit & { key?: string | null }) => Promise<HttpResult>
  cli: (args: string[], opts?: { cwd?: string, env?: Record<string, string | undefined>, input?: string | Buffer }) => Promise<CliResult>
  /** Graceful stop (SIGTERM). */
  stop: () => Promise<void>
  /** Starts the agent again on the same port and data dir. */
  restart: () => Promise<AgentProcess>
  /** Removes the data dir (after stop). */
  cleanup: () => void
}

export interface AgentStartOptions {
  provider: 'docker' | 'process'
  idleTimeout?: number
  domain?: string
  extraArgs?: string[]
  dataDir?: string
  port?: number
  key?: string
  /** Reused by restart(), so one suite leaves one settings folder to remove. */
  settingsDir?: string
  /** Another `lambda` entry than this checkout's bin/lambda.mjs (an installed package's). */
  cli?: string
  /** What runs the agent instead of this Node (a copy of it, or a wrapper script that ends in `exec`). */
  node?: string
}

/** Images the agent built are labelled with its id; tests leave none behind. */
function removeAgentImages(dataDir: string) {
  try {
    const { id } = JSON.parse(readFileSync(join(dataDir, 'state/meta/agent'), 'utf8'))
    const images = execFileSync('docker', ['images', '-q', '--filter', `label=mini-lambda.agent=${id}`], { encoding: 'utf8' }).split('\n').filter(Boolean)
    if (images.length > 0) execFileSync('docker', ['rmi', '-f', ...new Set(images)], { stdio: 'ignore' })
  }
  catch {}
}

/** Starts the real `lambda agent` as a process on a free port with its own data dir. */
export async function startAgentProcess(opts: AgentStartOptions): Promise<AgentProcess> {
  const port = opts.port ?? await freePort()
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'lambda-agent-'))
  const domain = opts.domain ?? 'localhost'
  const args = ['agent', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--provider', opts.provider, '--domain', domain, ...(opts.idleTimeout ? ['--idle-timeout', String(opts.idleTimeout)] : []), ...(opts.extraArgs ?? [])]
  const proc = startCli(args, { cli: opts.cli, node: opts.node })
  await proc.waitFor(/Agent ready/, 120_000)
  const key = opts.key ?? proc.output().match(/mlk_[a-z0-9]{8}_[\w-]{43}/)?.[0]
  if (!key) throw new Error(`no admin key printed:\n${proc.output()}`)
  const settingsDir = opts.settingsDir ?? mkdtempSync(join(tmpdir(), 'lambda-cli-'))
  const env = { LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: key, XDG_CONFIG_HOME: settingsDir }
  const self: AgentProcess = {
    port,
    key,
    dataDir,
    domain,
    process: proc,
    env,
    call: (fn, path = '/', init = {}) => request(port, path, { host: `${fn}.${domain}:${port}`, ...init }),
    admin: (path, init = {}) => {
      const key_ = init.key === undefined ? key : init.key
      return request(port, `/_lambda${path}`, { host: `127.0.0.1:${port}`, ...init, headers: { ...(key_ ? { authorization: `Bearer ${key_}` } : {}), ...init.headers } })
    },
    cli: (cliArgs, cliOpts = {}) => runCli(cliArgs, { cwd: cliOpts.cwd, env: { ...env, ...cliOpts.env }, input: cliOpts.input, cli: opts.cli }),
    async stop() {
      await proc.stop()
    },
    restart: () => startAgentProcess({ ...opts, port, dataDir, key, settingsDir }),
    cleanup() {
      if (opts.provider === 'docker') removeAgentImages(dataDir)
      rmSync(dataDir, { recursive: true, force: true })
      rmSync(settingsDir, { recursive: true, force: true })
    },
  }
  return self
}

export interface AgentSuite {
  agent: AgentProcess
  project: TempProject
}

/**
 * A real agent and a project for one describe block: started before its tests, and stopped and
 * removed after them (with the images the agent built). Tests may replace `agent` (after a restart).
 */
export function useAgent(opts: AgentStartOptions, makeProject: () => TempProject, setup?: (suite: AgentSuite) => Promise<void>): AgentSuite {
  const suite = {} as AgentSuite
  beforeAll(async () => {
    suite.project = makeProject()
    suite.agent = await startAgentProcess(opts)
    await setup?.(suite)
  })
  afterAll(async () => {
    await suite.agent?.stop()
    suite.agent?.cleanup()
    suite.project?.remove()
  })
  return suite
}
