import type { ApiKeyRecord } from '../../store/records'
import { scopeOf } from './key-scopes'
import { grantsOf } from './secret-grants'

/** A key as listings show it: every field a printable string, whatever an older release or a hand edit stored. */
export interface KeyListing {
  id: string
  name: string
  /** The effective scope; keys stored before scopes existed are admin keys. */
  scope: string
  /** What it may give to the functions it deploys: `*` for admin keys (and deploy keys granted every secret). */
  secrets: string[]
  createdAt: string
}

const printable = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
  // Control characters could rewrite the terminal of whoever lists the keys.
  const safe = text.replace(/[\u0000-\u001F\u007F-\u009F]/g, '?')
  return safe.length > 64 ? `${safe.slice(0, 64)}… (${safe.length} characters)` : safe
}

export function describeKeys(records: ApiKeyRecord[]): KeyListing[] {
  return records.map(record => ({
    id: printable(record.id),
    name: printable(record.name),
    scope: scopeOf(record) ?? `unknown (${printable(record.scope)})`,
    secrets: grantsOf(record).map(printable),
    createdAt: printable(record.createdAt),
  }))
}
