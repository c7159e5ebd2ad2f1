import type { RuntimeLink } from './runtime-link'

/** How an instance ended. */
export interface InstanceExit {
  code: number | null
  signal: string | null
  /** The kernel killed it for exceeding its memory limit. */
  oomKilled?: boolean
  /** The function's own error when it failed before becoming ready. */
  startupError?: string
}

/** One running copy of a function, serving HTTP over the connections it dialed to its link. */
export interface Instance {
  readonly id: string
  /** The agent's end of the instance's connections (see runtime-link.ts). */
  readonly link: RuntimeLink
  /** Resolves once the instance accepts connections; rejects with a LambdaError if it dies first. */
  readonly ready: Promise<void>
  /** Resolves when the instance has ended (never rejects). */
  readonly exited: Promise<InstanceExit>
  /** Graceful stop: in-flight requests finish, then it ends (forcefully after `graceMs`). */
  stop: (graceMs?: number) => Promise<void>
  /** Ends it now; used when it is stuck. */
  kill: () => Promise<void>
  /**
   * Freezes it in place (cgroup freezer, SIGSTOP): it keeps its memory and its connections, and uses
   * no CPU. Absent when the provider cannot. `stop` and `kill` work on a paused instance.
   */
  pause?: () => Promise<void>
  /** Lets a paused instance run again; resolves once it can take a request. */
  resume?: () => Promise<void>
  /**
   * Lets go of it without ending it: the agent stops with `--keep-instances` and its next run adopts
   * it. Absent when the provider cannot (processes end with the agent).
   */
  release?: () => Promise<void>
  /** Memory it holds now, in bytes (resident set, page cache left out), when the provider can tell. */
  memoryBytes?: () => Promise<number | undefined>
}

/** Everything needed to start an instance of a function version. */
export interface InstanceSpec {
  name: string
  version: string
  timeout: number
  /** Requests one instance serves at once (bounds the connections it may open). */
  concurrency: number
  memory: number
  env: Record<string, string>
  network?: boolean
  /** Serve errors with stacks (lambda dev). */
  dev?: boolean
}
