import type { InvocationAttempt, InvocationResult } from '../../api/admin-api'
import type { FunctionCallResult } from '../../proxy/call-function'
import type { VersionRecord } from '../../store/records'
import type { InvocationListener } from '../invocation-events'
import type { ServingTable } from '../serving-table'
import type { InvocationRecord } from './invocation-record'
import { callFunction } from '../../proxy/call-function'
import { ASYNC_LIMITS } from './async-limits'
import { resultOf } from './invocation-views'

/** The version an attempt runs: the one named by `v<N>.<fn>`, else the one current now. */
export function versionFor(serving: ServingTable, record: Pick<InvocationRecord, 'function' | 'version'>): VersionRecord | undefined {
  return record.version !== undefined ? serving.version(record.function, record.version) : serving.get(record.function)?.version
}

export interface AttemptRun {
  attempt: InvocationAttempt
  result: InvocationResult
  call: FunctionCallResult
}

/**
 * One attempt at an accepted call, through the function's instance pool like any request (same
 * deadline, same crash reports). The invocation id is the request id of every attempt, and is sent as
 * `x-lambda-invocation-id`: the function's idempotency key. `credentials`: the call's own, unsealed for
 * this attempt only. Undefined when the version is gone.
 */
export async function runAttempt(serving: ServingTable, record: InvocationRecord, number: number, credentials: Record<string, string> | undefined, onComplete?: InvocationListener): Promise<AttemptRun | undefined> {
  const startedAt = new Date().toISOString()
  const headers = { ...record.request.headers, ...credentials, 'x-lambda-invocation-id': record.id, 'x-lambda-invocation-type': 'Event', 'x-lambda-attempt': String(number) }
  const body = record.request.body ? Buffer.from(record.request.body, 'base64') : undefined
  for (let switches = 0; ; switches++) {
    const version = versionFor(serving, record)
    if (!version) return undefined
    const { timeout, memory } = version.config
    const call = await callFunction(serving.poolFor(version), { method: record.request.method, path: record.request.path, headers, body, requestId: record.id }, { timeoutMs: timeout * 1000, memory, maxBodyBytes: ASYNC_LIMITS.resultBodyBytes, trigger: 'async', onComplete })
    // A deploy retired the pool just as the call went out: the call goes to the version that replaced it.
    if (call.error?.code === 'VERSION_RETIRED' && switches < 3) continue
    const attempt: InvocationAttempt = {
      number,
      startedAt,
      durationMs: Math.round(call.durationMs * 100) / 100,
      status: call.status,
      version: version.number,
      ...(call.error ? { error: { code: call.error.code, message: call.error.message } } : {}),
    }
    return { attempt, result: resultOf(call), call }
  }
}
