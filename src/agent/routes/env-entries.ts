import type { EnvEntry } from '../../api/admin-api'
import type { FunctionRuntimeConfig } from '../../config/types'
import type { SecretVault } from '../secrets/secret-vault'
import { isSecretRef } from '../../config/secret'

/** How the admin API shows a function's environment: names and where each value comes from. */
export function envEntries(env: FunctionRuntimeConfig['env'], vault: SecretVault, withPlainValues: boolean): EnvEntry[] {
  return Object.entries(env ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]): EnvEntry => {
    if (isSecretRef(value)) return { name, source: 'secret', secret: value.secret, set: vault.has(value.secret) }
    return withPlainValues ? { name, source: 'plain', value } : { name, source: 'plain' }
  })
}
