import type { HealthResponse } from '../../api/admin-api'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { OWNER_FILE } from '../data-dir-lock'
import { localHealth } from './local-health'
import { SERVICE_NAME } from './service-paths'
import { systemctl } from './systemd'

export interface ServiceProbe {
  port: number
  scheme: 'http' | 'https'
  /** Where the service listens, when not every interface: health is asked there. */
  host?: string
  dataDir: string
}

export type ServiceOutcome
  = | { ok: true, pid: number, health: HealthResponse }
    | { ok: false, reason: string }

/** First start assembles the base image from this host's Node: on a small VM, a minute or so. */
export const SERVICE_START_TIMEOUT_MS = 180_000

async function unitProgress() {
  const out = await systemctl(['show', `${SERVICE_NAME}.service`, '--property=ActiveState,SubState,Result,NRestarts,MainPID,ExecMainStatus'])
  const props = Object.fromEntries(out.split('\n').filter(Boolean).map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
  return { active: props.ActiveState ?? '', sub: props.SubState ?? '', result: props.Result ?? '', restarts: Number(props.NRestarts ?? 0), mainPid: Number(props.MainPID ?? 0), status: props.ExecMainStatus ?? '' }
}

function ownerPid(dataDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as { pid?: number }).pid
  }
  catch {
    return undefined
  }
}

/**
 * Waits until the service's own process answers health (the agent that holds the data dir is the unit's
 * main process, so another agent on the same port does not count), or until systemd reports that it
 * exited, or the deadline passes. "Started" from systemctl only means the process was spawned.
 */
export async function waitForService(probe: ServiceProbe, timeoutMs = SERVICE_START_TIMEOUT_MS): Promise<ServiceOutcome> {
  const deadline = Date.now() + timeoutMs
  const host = !probe.host || probe.host === '0.0.0.0' || probe.host === '::' ? '127.0.0.1' : probe.host
  for (;;) {
    const unit = await unitProgress()
    if (unit.active === 'failed' || unit.sub === 'auto-restart' || unit.restarts > 0) {
      const how = unit.status && unit.status !== '0' ? ` with status ${unit.status}` : ''
      return { ok: false, reason: `it exited${how} (${unit.result || unit.sub}) and systemd ${unit.active === 'failed' ? 'gave up on it' : `restarts it every few seconds (restarts so far: ${unit.restarts})`}` }
    }
    if (unit.active === 'active' && unit.mainPid > 0 && ownerPid(probe.dataDir) === unit.mainPid) {
      try {
        return { ok: true, pid: unit.mainPid, health: await localHealth(probe.port, probe.scheme, 2000, host) }
      }
      catch {}
    }
    if (Date.now() > deadline) return { ok: false, reason: `it did not answer on ${probe.scheme}://${host}:${probe.port} within ${Math.round(timeoutMs / 1000)} s (systemd: ${unit.active}, ${unit.sub})` }
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}
