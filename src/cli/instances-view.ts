import type { DeployedFunction } from '../client/agent-client'

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`

/** `2 (1 paused)`: instances in service, and how many of them are paused. */
export const instancesCell = (f: Pick<DeployedFunction, 'instances' | 'paused'>) =>
  f.paused > 0 ? `${f.instances} (${f.paused} paused)` : String(f.instances)

/** `61 MB (30 MB paused)`: what the instances hold; a paused instance keeps all of its memory. '-' when unknown. */
export function memoryCell(f: Pick<DeployedFunction, 'memoryBytes' | 'pausedMemoryBytes' | 'paused'>): string {
  if (f.memoryBytes === undefined) return '-'
  return f.paused > 0 && f.pausedMemoryBytes !== undefined ? `${mb(f.memoryBytes)} (${mb(f.pausedMemoryBytes)} paused)` : mb(f.memoryBytes)
}
