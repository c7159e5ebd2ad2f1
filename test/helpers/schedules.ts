import type { ScheduleHistoryResponse, ScheduleListing, ScheduleRun } from '../../src/api/admin-api'
import type { AgentProcess } from './agent'
import type { LongRunning } from './cli'

/** Polls `check` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

export async function schedulesOf(agent: AgentProcess, fn?: string): Promise<ScheduleListing[]> {
  const response = await agent.admin(`/schedules${fn ? `?function=${fn}` : ''}`)
  if (response.status !== 200) throw new Error(`GET /schedules answered ${response.status}: ${response.text}`)
  return response.json<{ schedules: ScheduleListing[] }>().schedules
}

/** A schedule's runs, oldest first (the API lists them newest first). */
export async function runsOf(agent: AgentProcess, id: string): Promise<ScheduleRun[]> {
  const response = await agent.admin(`/schedules/${id}/history`)
  if (response.status !== 200) throw new Error(`GET /schedules/${id}/history answered ${response.status}: ${response.text}`)
  return response.json<ScheduleHistoryResponse>().runs.reverse()
}

/**
 * What functions printed as `<marker> {json}` (the agent and lambda dev prefix each line with
 * `[fn] `), in order, from `from` characters into the output on.
 */
export function loggedJson<T = any>(proc: LongRunning, fn: string, marker: string, from = 0): T[] {
  const pattern = new RegExp(`^\\[${fn}\\] ${marker} (\\{.*\\})$`, 'gm')
  return [...proc.output().slice(from).matchAll(pattern)].map(m => JSON.parse(m[1]!) as T)
}
