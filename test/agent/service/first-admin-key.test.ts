import type { AgentProcess } from '../../helpers/agent'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createFirstAdminKey } from '../../../src/agent/service/first-admin-key'
import { API_KEY_RE } from '../../../src/api/admin-api'
import { startAgentProcess } from '../../helpers/agent'

describe('the first admin key of an installed agent is shown by the installer, not the journal', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lambda-install-key-'))
  let agent: AgentProcess | undefined
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
  })

  it('install makes it once; the agent then starts without printing one, and accepts it', async () => {
    const key = await createFirstAdminKey(dataDir)
    expect(key).toMatch(API_KEY_RE)
    // A reinstall keeps the keys there are.
    expect(await createFirstAdminKey(dataDir)).toBeUndefined()

    agent = await startAgentProcess({ provider: 'process', dataDir, key })
    expect(agent.process.output()).not.toContain('Admin API key')
    expect(agent.process.output()).not.toMatch(/mlk_/)
    const keys = await agent.admin('/keys')
    expect(keys.status).toBe(200)
    expect(keys.json().keys.map((k: { scope: string }) => k.scope)).toEqual(['admin'])
  })
})
