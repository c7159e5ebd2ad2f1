import type { Owner } from '../data-dir-lock'
import type { UnitState } from './systemd'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { version as cliVersion } from '../../../package.json'
import { describeKeys } from '../auth/describe-keys'
import { OWNER_FILE } from '../data-dir-lock'
import { defaultAgentPort, defaultDataDir } from '../options'
import { openAgentState } from '../state'
import { parseEnvFile } from './env-file'
import { localHealth } from './local-health'
import { ENV_PATH, SERVICE_NAME, UNIT_PATH } from './service-paths'
import { systemdRunning, unitState } from './systemd'

/** `lambda agent status --json`: the agent on this machine, as its process, its state and systemd see it. */
export interface AgentStatus {
  running: boolean
  /** Why it is not running or not answering, when it is not. */
  problem?: string
  pid?: number
  startedAt?: string
  uptimeSeconds?: number
  url?: string
  version?: string
  cliVersion: string
  provider?: string
  domain?: string
  dataDir: string
  /** Functions with a version being served, by name. */
  functions: string[]
  keys: { total: number, admin: number, deploy: number, invoke: number }
  /** The systemd unit; null when systemd does not run here, undefined fields when it is not installed. */
  service: (UnitState & { unitPath: string, envPath: string, installed: boolean }) | null
}

function readOwner(dataDir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Owner
  }
  catch {
    return undefined
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  }
  catch (error) {
    // Alive, but another user's (the service user's, seen by a non-root caller).
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The installed service's settings, when there is one and it is readable. */
function serviceSettings(): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(ENV_PATH, 'utf8'))
  }
  catch {
    return {}
  }
}

async function readState(state: Awaited<ReturnType<typeof openAgentState>>, status: AgentStatus): Promise<void> {
  status.functions = (await state.functions.list()).filter(f => f.currentVersion !== null).map(f => f.name)
  for (const key of describeKeys(await state.keys.list())) {
    status.keys.total++
    if (key.scope === 'admin' || key.scope === 'deploy' || key.scope === 'invoke') status.keys[key.scope]++
  }
}

export async function agentStatus(input: { dataDir?: string, port?: number } = {}): Promise<AgentStatus> {
  const settings = serviceSettings()
  const dataDir = resolve(input.dataDir ?? settings.LAMBDA_DATA_DIR ?? defaultDataDir())
  const owner = readOwner(dataDir)
  const alive = owner !== undefined && processAlive(owner.pid)
  const port = input.port ?? (alive ? owner?.port : undefined) ?? (settings.LAMBDA_PORT ? Number(settings.LAMBDA_PORT) : defaultAgentPort(false))
  const scheme = alive && owner?.scheme === 'https' ? 'https' : 'http'

  const status: AgentStatus = { running: false, cliVersion, dataDir, functions: [], keys: { total: 0, admin: 0, deploy: 0, invoke: 0 }, service: null }
  if (alive) {
    status.pid = owner!.pid
    status.startedAt = owner!.startedAt
    status.uptimeSeconds = Math.max(0, Math.round((Date.now() - Date.parse(owner!.startedAt)) / 1000))
  }
  try {
    const health = await localHealth(port, scheme)
    Object.assign(status, { running: true, url: `${scheme}://127.0.0.1:${port}`, version: health.version, provider: health.provider, domain: health.domain })
  }
  catch (error) {
    status.problem = alive
      ? `The agent (pid ${owner!.pid}) does not answer on ${scheme}://127.0.0.1:${port}: ${(error as Error).message}.`
      : `No agent is running on the data dir ${dataDir}${existsSync(dataDir) ? '' : ' (it does not exist)'}.`
  }

  // Only a store the agent made: opening an empty one writes its format record, which must be the agent's own file.
  if (existsSync(join(dataDir, 'state'))) {
    let state: Awaited<ReturnType<typeof openAgentState>> | undefined
    try {
      state = await openAgentState({ dataDir })
      await readState(state, status)
    }
    catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error
      status.problem = `${status.problem ? `${status.problem} ` : ''}Cannot read the state in ${dataDir} as this user: run \`sudo lambda agent status\`.`
    }
    finally {
      await state?.close()
    }
  }

  if (systemdRunning()) {
    const unit = await unitState(SERVICE_NAME)
    status.service = { ...unit!, unitPath: UNIT_PATH, envPath: ENV_PATH, installed: existsSync(UNIT_PATH) }
  }
  return status
}
