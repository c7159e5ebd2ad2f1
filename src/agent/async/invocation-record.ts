import type { CallbackState, InvocationAttempt, InvocationFailure, InvocationResult, InvocationStatus } from '../../api/admin-api'

/** The call as it is replayed to the function on every attempt. */
export interface StoredRequest {
  method: string
  /** Path and query as the function sees them. */
  path: string
  /** Lower-case names; the key that let the call in and the agent's own instructions are not among them. */
  headers: Record<string, string>
  /** base64. */
  body: string
}

/** One accepted asynchronous call, as stored: everything needed to run it again after a restart. */
export interface InvocationRecord {
  id: string
  function: string
  /** Set for calls to `v<N>.<fn>`: every attempt runs that version. */
  version?: number
  status: InvocationStatus
  acceptedAt: string
  request: StoredRequest
  attempts: InvocationAttempt[]
  nextAttemptAt?: string
  finishedAt?: string
  result?: InvocationResult
  failure?: InvocationFailure
  callback?: CallbackState
  replayOf?: string
}

export const isFinal = (status: InvocationStatus) => status === 'succeeded' || status === 'failed'
