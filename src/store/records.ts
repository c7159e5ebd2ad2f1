import type { FunctionRuntimeConfig } from '../config/types'

/** What the agent knows about a deployed function. */
export interface FunctionRecord {
  name: string
  /** The version the gateway serves; null while none is (never, once a deploy succeeded). */
  currentVersion: number | null
  /** Highest version number ever given out: numbers only grow, also after deletes. */
  lastVersion: number
  createdAt: string
  updatedAt: string
}

/** An image the provider built; what it means is the provider's business. */
export interface ImageRef {
  /** Docker: the image tag; process: the artifact folder. */
  ref: string
  /** Docker image id, when known. */
  id?: string
}

/** One immutable build of a function. */
export interface VersionRecord {
  function: string
  number: number
  hash: string
  kind: 'node' | 'dockerfile'
  image: ImageRef
  config: FunctionRuntimeConfig
  createdAt: string
  status: 'ready' | 'failed'
}

export interface ApiKeyRecord {
  id: string
  name: string
  /** sha256 of the secret part, hex; the key itself is never stored. */
  hash: string
  createdAt: string
}

export interface AgentRecord {
  /** Labels every container of this agent, so a restart finds its own leftovers and nobody else's. */
  id: string
  createdAt: string
}
