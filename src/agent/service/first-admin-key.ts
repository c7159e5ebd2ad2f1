import { createApiKey } from '../auth/api-keys'
import { openAgentState } from '../state'

/**
 * The first admin key, made by the installer and shown on the installer's terminal, not in the journal
 * (where the agent's own first start would print it, readable by everyone in the `adm` group).
 * Undefined when the data dir already has keys: a reinstall keeps them.
 */
export async function createFirstAdminKey(dataDir: string): Promise<string | undefined> {
  const state = await openAgentState({ dataDir })
  try {
    if ((await state.keys.list()).length > 0) return undefined
    return (await createApiKey(state.keys, 'admin', 'admin')).key
  }
  finally {
    await state.close()
  }
}
