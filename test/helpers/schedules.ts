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
 * What a function printed as `<marker> {json}`, in order: from the agent's stored logs (what `lambda logs`
 * shows), or from `lambda dev`'s terminal (`[fn] ` and, during a request, its id's first 8 characters
 * before each line). `from`: an ISO time for the agent, a character offset into dev's output.
 */
export async function loggedJson<T = any>(source: AgentProcess | LongRunning, fn: string, marker: string, from?: string | number): Promise<T[]> {
  if ('admin' in source) {
    const response = await source.admin(`/functions/${fn}/logs?tail=5000`)
    if (response.status === 404) return []
    if (response.status !== 200) throw new Error(`GET /functions/${fn}/logs answered ${response.status}: ${response.text}`)
    return response.text.split('\n').filter(Boolean).map(line => JSON.parse(line) as { type: string, time: string, message?: string }).filter(entry => entry.type === 'output' && entry.message?.startsWith(`${marker} `) && (from === undefined || entry.time >= String(from))).map(entry => JSON.parse(entry.message!.slice(marker.length + 1)) as T)
  }
  const pattern = new RegExp(`^\\[${fn}\\](?: [0-9a-f]{8})? ${marker} (\\{.*\\})$`, 'gm')
  return [...source.output().slice(Number(from ?? 0)).matchAll(pattern)].map(m => JSON.parse(m[1]!) as T)
}
