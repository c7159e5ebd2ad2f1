import type { FunctionRuntimeConfig } from '../config/types'
import type { Instance } from '../instances/types'
import type { ImageRef } from '../store/records'

export type ProviderName = 'docker' | 'process'

/** A checked, extracted upload, ready to become an image. */
export interface BuildRequest {
  name: string
  version: number
  hash: string
  kind: 'node' | 'dockerfile'
  /** Folder holding the build context: the bundle (the provider writes its Dockerfile), or the function's own folder. */
  contextDir: string
  config: FunctionRuntimeConfig
  /** Aborted when nobody waits for the build any more (the deploy was cancelled): stop it. */
  signal?: AbortSignal
}

export interface LaunchRequest {
  name: string
  version: number
  image: ImageRef
  config: FunctionRuntimeConfig
  /** The environment the function sees, made by the agent from `config.env` (secret refs resolved to values). */
  env: Record<string, string>
}

/**
 * Where function instances run. The gateway, the API and the deploy pipeline only see this;
 * heavy libraries (dockerode) load inside the provider that needs them.
 */
export interface Provider {
  readonly name: ProviderName
  /** Whether functions are isolated from the host and each other (containers) or not (processes). */
  readonly isolated: boolean
  /** Checks the provider can work and removes instances an earlier run of this agent left behind. */
  init: () => Promise<{ orphansRemoved: number }>
  /**
   * Refuses (4xx) an upload this provider will not build, before a version number is taken: for docker,
   * a Dockerfile that would make the daemon fetch from the network or use another function's image.
   */
  checkBuild?: (request: Omit<BuildRequest, 'version' | 'hash' | 'config'>) => Promise<void>
  buildImage: (request: BuildRequest, onLog?: (line: string) => void) => Promise<ImageRef>
  /** Returns at once; the instance's `ready` settles when it serves or fails to start. */
  startInstance: (request: LaunchRequest) => Instance
  /**
   * Takes over the instances of this version an earlier run left running (docker, after a kill -9 or
   * a stop with `keepInstances`), at most its `maxInstances`; each is ready once it dialed back in.
   */
  adopt?: (request: LaunchRequest) => Instance[]
  /** After every version was offered `adopt`: removes what an earlier run left that none took; how many. */
  endAdoption?: () => Promise<number>
  /** Does ahead of time what it can for the next start of this version (optional). */
  prepare?: (request: LaunchRequest) => void
  /** Drops what `prepare` made for a version that leaves service. */
  discard?: (name: string, version: number) => Promise<void>
  removeImage: (image: ImageRef) => Promise<void>
  /** Rebuilds an image made by an older agent so it runs on this one; undefined when none was needed or possible. */
  upgradeImage?: (image: ImageRef, kind: 'node' | 'dockerfile') => Promise<ImageRef | undefined>
  /** Images this agent built for a function, with the version each was built as (to find strays). */
  listImages?: (name: string) => Promise<Array<ImageRef & { version: number }>>
  /**
   * Stops every instance this provider started; with `keepInstances`, those its pools released stay
   * running for the next start to adopt (when the provider can: `Instance.release`).
   */
  close: (options?: { keepInstances?: boolean }) => Promise<void>
}

/** One line an instance printed, as the provider read it (the runtime's request mark still on it). */
export interface InstanceOutput {
  function: string
  version: number
  instance: string
  stream: 'stdout' | 'stderr'
  line: string
  /** Bytes cut off the end of an overlong line. */
  cutBytes: number
  /** Epoch ms when the instance printed it, when the provider knows (Docker's timestamp); else now. */
  time?: number
}

export interface ProviderContext {
  /** The agent's data folder (images, sockets). */
  dataDir: string
  /** The agent's own temp folder, emptied at every start. */
  tmpDir: string
  /** Labels this agent's containers. */
  agentId: string
  /** Every line every instance prints (bounded per line; called as lines arrive). */
  onOutput?: (output: InstanceOutput) => void
}
