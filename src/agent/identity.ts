import type { Storage } from 'unstorage'
import type { AgentRecord } from '../store/records'
import { randomBytes } from 'node:crypto'

/** The agent's lasting id, kept in its data dir: it labels this agent's containers across restarts. */
export async function ensureAgentIdentity(storage: Storage): Promise<AgentRecord> {
  const existing = await storage.getItem<AgentRecord>('meta:agent')
  if (existing) return existing
  const record: AgentRecord = { id: randomBytes(6).toString('hex'), createdAt: new Date().toISOString() }
  await storage.setItem('meta:agent', record)
  return record
}
