import type { Storage } from 'unstorage'
import type { SecretStore } from '../../store/secret-store'
import { LambdaError } from '../../errors'
import { createSecretStore } from '../../store/secret-store'
import { CredentialSeal } from './credential-seal'
import { loadMasterKey, masterKeyPath } from './master-key'
import { openSecret, sealSecret } from './secret-cipher'

export interface SecretInfo {
  name: string
  createdAt: string
  updatedAt: string
}

interface CachedSecret extends SecretInfo {
  value: string
}

/**
 * The agent's secrets: encrypted in the store, decrypted once at start into memory, so starting an
 * instance reads its values synchronously. Values leave this class only into a function's environment.
 */
export class SecretVault {
  private readonly cache = new Map<string, CachedSecret>()
  private readonly key: Buffer
  private readonly store: SecretStore

  private constructor(key: Buffer, store: SecretStore) {
    this.key = key
    this.store = store
  }

  /** Loads the master key (made on first start) and decrypts every stored secret; any that will not decrypt stops the start. */
  static async open(storage: Storage, dataDir: string): Promise<SecretVault> {
    const store = createSecretStore(storage)
    const records = await store.list()
    const vault = new SecretVault(await loadMasterKey(dataDir, records.length), store)
    for (const record of records) {
      const value = openSecret(vault.key, record)
      if (value === undefined) {
        throw new LambdaError({
          code: 'SECRETS_UNREADABLE',
          message: `Secret "${record.name}" does not decrypt with ${masterKeyPath(dataDir)}: that is not the key it was stored with, or the record was altered.`,
          hint: `Restore the master.key that belongs to this state from your backup. To give the secret up instead, remove its record (state/secrets/${record.name}.secret in the data dir) and set it again with \`lambda secrets set ${record.name}\`.`,
        })
      }
      vault.cache.set(record.name, { name: record.name, createdAt: record.createdAt, updatedAt: record.updatedAt, value })
    }
    return vault
  }

  /** What seals the credentials of stored asynchronous calls: a key derived from the master key, never the key itself. */
  credentialSeal(): CredentialSeal {
    return new CredentialSeal(this.key)
  }

  has(name: string): boolean {
    return this.cache.has(name)
  }

  /** The plain value, for a function's environment only. */
  value(name: string): string | undefined {
    return this.cache.get(name)?.value
  }

  list(): SecretInfo[] {
    return [...this.cache.values()].map(({ name, createdAt, updatedAt }) => ({ name, createdAt, updatedAt })).sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Encrypts and stores the value (one atomic record write), then serves it from memory. */
  async set(name: string, value: string): Promise<SecretInfo & { created: boolean }> {
    const existing = this.cache.get(name)
    const now = new Date().toISOString()
    const info: SecretInfo = { name, createdAt: existing?.createdAt ?? now, updatedAt: now }
    await this.store.put({ ...info, ...sealSecret(this.key, name, value) })
    this.cache.set(name, { ...info, value })
    return { ...info, created: !existing }
  }

  async remove(name: string): Promise<boolean> {
    if (!this.cache.has(name)) return false
    await this.store.remove(name)
    this.cache.delete(name)
    return true
  }
}
