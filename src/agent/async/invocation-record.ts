import type { CallbackState, InvocationAttempt, InvocationFailure, InvocationResult, InvocationStatus } from '../../api/admin-api'
import type { SealedHeaders } from '../secrets/credential-seal'

/** The call as it is replayed to the function on every attempt. */
export interface StoredRequest {
  method: string
  /** Path and query as the function sees them. */
  path: string
  /** Lower-case names; the key that let the call in, the agent's own instructions and credentials are not among them. */
  headers: Record<string, string>
  /** The credentials the call came with (Authorization, Cookie, …), sealed: opened only to run an attempt. */
  sealed?: SealedHeaders
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
