import type { AgentClient } from '../client/agent-client'
import { LambdaError } from '../errors'

/**
 * What deploying a changed function would do, from the agent's read-only answers: the number the
 * new version gets, and the versions that go to keep `keepVersions` (the new one counts).
 */
export async function predictDeploy(client: AgentClient, name: string, keepVersions: number): Promise<{ version?: number, wouldRemove: number[] }> {
  const info = await client.listVersions(name).catch((error: unknown) => {
    // Never deployed (or deleted): a first version, nothing to remove.
    if (LambdaError.is(error) && error.status === 404) return undefined
    throw error
  })
  if (!info) return { wouldRemove: [] }
  const numbers = info.versions.map(v => v.number).sort((a, b) => b - a)
  const last = Math.max(info.lastVersion ?? 0, ...numbers)
  return { version: last + 1, wouldRemove: numbers.slice(Math.max(0, keepVersions - 1)).sort((a, b) => a - b) }
}
