import type { IncomingMessage } from 'node:http'
import type { ApiKeyRecord } from '../../store/records'
import { API_KEY_RE } from '../../api/admin-api'
import { LambdaError } from '../../errors'
import { bearerToken } from '../auth/api-keys'
import { LineRateLimit } from '../logs/rate-limit'

/** Who acted: the key's id, label and scope; for a refused key, only the id it claimed (never any secret). */
export interface AuditActor {
  id: string | null
  name?: string
  scope?: string
}

export interface AuditEntry {
  /** What was done, e.g. `function.deploy`, `key.create`, `secret.set`; `auth` for a refused key. */
  action: string
  /** What it was done to: a function, key id, secret name, release (never a value). */
  target?: string
  key: AuditActor
  /** The address the request came from. */
  ip?: string
  /** `ok`; `refused`: the key was not let in; `failed`: the action answered an error. */
  outcome: 'ok' | 'refused' | 'failed'
  status: number
  /** The error's code when it did not succeed. */
  code?: string
  /** Facts the action adds, e.g. the version a deploy made (never a value of a secret or key). */
  detail?: Record<string, unknown>
}

/** Refused keys may come at any rate (a scanner): at most this many lines a second, the rest counted. */
const REFUSALS_PER_SECOND = 20

export const AUDIT_PREFIX = 'audit '

/**
 * The agent's record of what every key did to it: one JSON line per change made through the admin API
 * (deploys, deletes, rollbacks, keys, secrets, schedules) and per refused key, on the agent's stdout
 * (the journal under systemd): `audit {"at":…,"action":"function.deploy",…}`. `grep '^audit '` finds them.
 */
export class AuditLog {
  private readonly refusals = new LineRateLimit(REFUSALS_PER_SECOND)

  constructor(private readonly write: (line: string) => void = line => process.stdout.write(line)) {}

  record(entry: AuditEntry): void {
    if (entry.outcome === 'refused' && !this.refusals.allow()) return
    const dropped = entry.outcome === 'refused' ? this.refusals.takeDropped() : 0
    const line = { at: new Date().toISOString(), ...entry, ...(dropped > 0 ? { refusalsNotLogged: dropped } : {}) }
    this.write(`${AUDIT_PREFIX}${JSON.stringify(line)}\n`)
  }
}

export function actorOf(key: ApiKeyRecord): AuditActor {
  return { id: String(key.id), name: String(key.name), scope: String(key.scope ?? 'admin') }
}

/** The outcome of an action that threw: refused (401, 403: the key may not do it) or failed. */
export function failureOf(error: unknown): Pick<AuditEntry, 'outcome' | 'status' | 'code'> {
  const status = LambdaError.is(error) ? error.status : 500
  return { outcome: status === 401 || status === 403 ? 'refused' : 'failed', status, code: LambdaError.is(error) ? error.code : 'INTERNAL' }
}

/** Who a refused request claimed to be: the id part of a well-formed key, never anything else it sent. */
function refusedActor(req: IncomingMessage): AuditActor {
  const token = bearerToken(req.headers.authorization)
  return { id: (token && API_KEY_RE.exec(token)?.[1]) || null }
}

/** A key turned away (401, 403): logged with the id it claimed, never the secret part. */
export function auditRefusal(audit: AuditLog, req: IncomingMessage, action: string, target: string | undefined, error: unknown): void {
  const failure = failureOf(error)
  if (failure.outcome === 'refused') audit.record({ action, target, key: refusedActor(req), ip: req.socket.remoteAddress, ...failure })
}
