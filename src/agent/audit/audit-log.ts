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

/**
 * Refused keys may come at any rate (a scanner): at most this many lines a second, the rest counted.
 * Unknown keys share one budget; each real key refused for its scope has its own, so a flood of made-up
 * keys cannot crowd a real key's refusals out of the log.
 */
const REFUSALS_PER_SECOND = 20
/** Real keys are few; past this many budgets the oldest goes (only a key refused again gets a new one). */
const MAX_REFUSAL_BUDGETS = 1000

export const AUDIT_PREFIX = 'audit '

/**
 * The agent's record of what every key did to it: one JSON line per change made through the admin API
 * (deploys, deletes, rollbacks, keys, secrets, schedules) and per refused key, on the agent's stdout
 * (the journal under systemd): `audit {"at":…,"action":"function.deploy",…}`. `grep '^audit '` finds them.
 */
export class AuditLog {
  private readonly refusals = new Map<string, LineRateLimit>()

  constructor(private readonly write: (line: string) => void = line => process.stdout.write(line)) {}

  record(entry: AuditEntry): void {
    const budget = entry.outcome === 'refused' ? this.budgetOf(entry) : undefined
    if (budget && !budget.allow()) return
    const dropped = budget?.takeDropped() ?? 0
    const line = { at: new Date().toISOString(), ...entry, ...(dropped > 0 ? { refusalsNotLogged: dropped } : {}) }
    this.write(`${AUDIT_PREFIX}${JSON.stringify(line)}\n`)
  }

  private budgetOf(entry: AuditEntry): LineRateLimit {
    // 401: the key is unknown (whatever id it claims); 403: a real key, refused for what it asked.
    const name = entry.status === 401 || entry.key.id === null ? 'unknown' : `key:${entry.key.id}`
    let budget = this.refusals.get(name)
    if (!budget) {
      if (this.refusals.size >= MAX_REFUSAL_BUDGETS) this.refusals.delete(this.refusals.keys().next().value!)
      this.refusals.set(name, budget = new LineRateLimit(REFUSALS_PER_SECOND))
    }
    return budget
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
