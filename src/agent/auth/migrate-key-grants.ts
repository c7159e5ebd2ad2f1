import type { Storage } from 'unstorage'
import type { FunctionStore } from '../../store/function-store'
import type { KeyStore } from '../../store/key-store'
import { secretNamesOf } from '../../config/secret'
import { scopeOf } from './key-scopes'
import { normalizeGrants } from './secret-grants'

const MIGRATED = 'meta:key-grants'

/**
 * Before secret grants existed, a deploy key could give any secret to the code it deployed. On the
 * first start after the upgrade, each deploy key is granted the secrets deployed functions refer to
 * then (every kept version), so the pipelines that deploy them keep working, and nothing more: a secret
 * set later needs an explicit grant. Runs once (a marker records it); a key without grants afterwards
 * has none. Returns one line per key it granted something to, for the agent's log.
 */
export async function migrateKeyGrants(storage: Storage, keys: KeyStore, functions: FunctionStore): Promise<string[]> {
  if (await storage.getItem(MIGRATED)) return []
  const inUse = new Set<string>()
  for (const fn of await functions.list()) {
    for (const version of await functions.listVersions(fn.name)) {
      for (const secret of secretNamesOf(version.config?.env)) inUse.add(secret)
    }
  }
  const granted = normalizeGrants([...inUse])
  const lines: string[] = []
  for (const record of await keys.list()) {
    if (record.secrets !== undefined || scopeOf(record) !== 'deploy') continue
    await keys.put({ ...record, secrets: granted })
    if (granted.length > 0) lines.push(`API key ${record.id} ("${record.name}") may give the secrets its functions use: ${granted.join(', ')} (upgrade to secret grants; see docs/agent.md, API keys).`)
  }
  await storage.setItem(MIGRATED, { at: new Date().toISOString() })
  return lines
}
