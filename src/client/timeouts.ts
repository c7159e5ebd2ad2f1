/**
 * How long the CLI waits for the agent. Admin answers take milliseconds, so a quick request that
 * gets no answer means a wrong or stuck host: it fails in seconds. Calls that really take long
 * (builds, function calls, starting or stopping instances) first check in seconds that the agent
 * answers at all, then wait as long as the agent itself may take.
 */
export const AGENT_TIMEOUTS = {
  /** Connect and answer, for every quick admin call and the check before a long one. */
  request: 10_000,
  /** Upload, image build (the agent stops a build after its --build-timeout, 600 s by default) and warm-up. */
  deploy: 30 * 60_000,
  /** A function call: the agent ends it after the function's own timeout (at most 900 s). */
  invoke: 16 * 60_000,
  /** Switching, removing or recycling versions: instances start and stop. */
  change: 5 * 60_000,
} as const

export const seconds = (ms: number) => `${Math.round(ms / 1000)} s`
