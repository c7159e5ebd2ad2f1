// Types for the JSDoc in runtime/*.mjs (type-checked with tsconfig.runtime.json). Never shipped: only
// the .mjs files go into images.
export interface RuntimeSettings {
  /** The agent's socket to dial (how the agent and `lambda dev` run the runtime). */
  agentSocket?: string
  /** A unix socket to listen on instead (running the runtime by hand). */
  socketPath?: string
  handlerPath: string
  functionName: string
  version: string
  timeoutMs: number
  memory: number
  dev: boolean
  /** How long to wait for a restarting agent once the control connection ends (agent-redial.mjs); 0: exit at once. */
  adoptGraceMs?: number
}

export interface InvocationContext {
  requestId: string
  functionName: string
  version: string
  memoryLimitInMB: number
  deadline: number
  getRemainingTimeInMillis: () => number
  waitUntil: (promise: unknown) => void
}

/**
 * One request and its response, whichever transport carried it: frames on the agent's link
 * (frame-exchange.mjs) or HTTP on LAMBDA_SOCKET (http-exchange.mjs).
 */
export interface Exchange {
  method: string
  /** Path and query. */
  url: string
  /** Flat `[name, value, …]` as the caller sent them, minus the runtime's own. */
  rawHeaders: string[]
  /** First value of a header (any case). */
  header: (name: string) => string | undefined
  httpVersion: string
  /** Address of the connection's peer, when the transport knows one. */
  remoteAddress?: string
  /** Whether a body may follow (false for GET and HEAD, or when the caller said none). */
  hasBody: boolean
  /** The body as a web stream, for a web Request. */
  bodyStream: () => ReadableStream<Uint8Array>
  /** The whole body. */
  readBody: () => Promise<Buffer>
  readonly headersSent: boolean
  /**
   * Throws a RangeError or TypeError on an invalid status or header, as node:http does. `valid`: the
   * headers come from a web `Headers`, which checked them already.
   */
  writeHead: (status: number, statusText: string | undefined, headers: string[], valid?: boolean) => void
  /** False: wait for `drained()` before writing more. */
  write: (chunk: Uint8Array) => boolean
  drained: () => Promise<void>
  end: (chunk?: Uint8Array) => void
  /** Called once if the caller goes away before the response ended; returns a remover. */
  onAbort: (listener: () => void) => () => void
  /** Breaks the response off (the function failed after its head was sent). */
  destroy: (error?: Error) => void
}

/** Serves one request with the loaded function, whichever contract it implements. */
export type Invoker = (exchange: Exchange, context: InvocationContext) => Promise<void>

export type LambdaCallback = (error?: unknown, value?: unknown) => void
export type LambdaHandler = (event: unknown, context: Record<string, unknown>, callback: LambdaCallback) => unknown
export type WebFunction = (request: Request, context: InvocationContext) => unknown
