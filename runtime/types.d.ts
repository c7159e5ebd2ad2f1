// Types for the JSDoc in runtime/*.mjs (type-checked with tsconfig.runtime.json). Never shipped: only
// the .mjs files go into images.
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface RuntimeSettings {
  /** The agent's socket to dial (how the agent and `lambda dev` run the runtime). */
  agentSocket?: string
  /** A unix socket to listen on instead (running the runtime by hand). */
  socketPath?: string
  concurrency: number
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

/** Serves one request with the loaded function, whichever contract it implements. */
export type Invoker = (req: IncomingMessage, res: ServerResponse, context: InvocationContext) => Promise<void>

export type LambdaCallback = (error?: unknown, value?: unknown) => void
export type LambdaHandler = (event: unknown, context: Record<string, unknown>, callback: LambdaCallback) => unknown
export type WebFunction = (request: Request, context: InvocationContext) => unknown
