/**
 * The bounds of asynchronous invocations, in one place (docs/async.md lists them). A call is stored
 * before it is answered 202, so what a caller can make the agent keep must be bounded.
 */
export const ASYNC_LIMITS = {
  /** A stored request body: AWS Lambda's cap for asynchronous payloads. Past it: 413. */
  maxBodyBytes: 256 * 1024,
  /** Stored request headers, names and values together; past it, or past `maxHeaders`: 431. */
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  /** The start of the function's answer that is kept, shown and sent to the callback. */
  resultBodyBytes: 64 * 1024,
  /** The start of the request body `lambda invocation <id>` shows. */
  requestExcerptBytes: 4 * 1024,
  /** First retry after 1 s, then 2 s, 4 s…, never more than 5 minutes apart. */
  backoffBaseMs: 1000,
  backoffMaxMs: 5 * 60 * 1000,
  /** Finished invocations kept per function and final status, beyond the retention periods' own bound. */
  keptPerFunction: 10_000,
  /** Calls written together in one batch (one durable write answers them all). */
  batchMaxCalls: 512,
  batchMaxBytes: 8 * 1024 * 1024,
  callback: {
    maxUrlLength: 2048,
    /** One delivery: connect, send, the status line; the whole of it. */
    timeoutMs: 10_000,
    /** Of the callback server's answer, only this much is read. */
    maxResponseBytes: 4 * 1024,
    /** Deliveries tried (after 1 s, then 2 s) when the server cannot be reached or answers 5xx. */
    attempts: 3,
    /** How long resolving the callback's host name may take when a call is accepted. */
    lookupTimeoutMs: 5_000,
  },
} as const
