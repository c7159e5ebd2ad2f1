import type { FunctionRuntimeConfig } from '../config/types'

/** A built function on disk: what the runtime runs and what a deploy ships. */
export interface FunctionArtifact {
  name: string
  kind: 'node' | 'dockerfile'
  /** Folder holding the artifact (`index.mjs`, its map and `function.json`), or the Dockerfile context. */
  dir: string
  /** The bundle the runtime imports (node functions). */
  bundlePath?: string
  hash: string
  config: FunctionRuntimeConfig
  /** Source files the bundle was made from, absolute: what hot reload watches. */
  inputs: string[]
  size: number
  builtAt: string
}

export const MANIFEST_FILE = 'function.json'
