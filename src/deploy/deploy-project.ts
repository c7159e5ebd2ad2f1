import type { FunctionArtifact } from '../build/artifact'
import type { AgentClient, DeployedFunction } from '../client/agent-client'
import type { LambdaOptions, ResolvedFunction } from '../config/types'
import { join } from 'node:path'
import { buildFunction } from '../build/build'
import { LambdaError } from '../errors'
import { packBuildContext } from './build-context'
import { predictDeploy } from './predict-deploy'

/** The steps of one function's deploy. The agent builds the image and warms it in one request, so `agent` is both. */
export type DeployPhase = 'build' | 'upload' | 'agent'

export type DeployEvent
  = | { name: string, type: 'start', phase: DeployPhase }
    | { name: string, type: 'done', phase: DeployPhase, ms: number, bytes?: number }

export interface FunctionDeployOutcome {
  name: string
  /** `would-build` only in a dry run. */
  status: 'built' | 'unchanged' | 'failed' | 'would-build'
  /** The version now serving; in a dry run, the number a build would get (when the agent can tell). */
  version?: number
  url?: string
  hash?: string
  /** Milliseconds per phase: bundling here, the upload, and the image build + warm-up on the agent. */
  phases: { buildMs?: number, uploadMs?: number, agentMs?: number }
  uploadBytes?: number
  /** Dry run: the versions this deploy would remove, to keep `deploy.keepVersions`. */
  wouldRemove?: number[]
  durationMs: number
  error?: LambdaError
}

export interface DeployRun {
  /** Build and compare only: nothing is uploaded, nothing changes on the agent. */
  dryRun?: boolean
  onEvent?: (event: DeployEvent) => void
  onOutcome?: (outcome: FunctionDeployOutcome) => void
}

export interface DeployReport {
  outcomes: FunctionDeployOutcome[]
  /** What the agent served before this deploy. */
  before: DeployedFunction[]
}

/** Runs `task` over `items` with at most `limit` at once. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = Array.from({ length: items.length })
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index]!)
    }
  }))
  return results
}

/** The tar as it is read by fetch: counts bytes, and says when all were handed over. */
async function* counted(stream: NodeJS.ReadableStream, onEnd: (bytes: number) => void): AsyncIterable<Uint8Array> {
  let bytes = 0
  for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    bytes += buffer.length
    yield buffer
  }
  onEnd(bytes)
}

const asLambdaError = (error: unknown, code: string) => LambdaError.is(error) ? error : new LambdaError({ code, message: String(error) })

/**
 * Deploys functions to the agent: builds each, skips the ones whose content hash is the one already
 * serving (no upload, no rebuild), and streams the others' build contexts. One failure does not
 * stop the rest. A dry run stops after the comparison and asks the agent only read-only questions.
 */
export async function deployFunctions(options: LambdaOptions, functions: ResolvedFunction[], client: AgentClient, run: DeployRun = {}): Promise<DeployReport> {
  const before = await client.listFunctions()
  const serving = new Map(before.map(f => [f.name, f]))
  const outcomes = await mapLimit(functions, 3, async (fn) => {
    const started = performance.now()
    const phases: FunctionDeployOutcome['phases'] = {}
    const timed = async <T>(phase: DeployPhase, task: () => Promise<T>, bytes?: () => number | undefined): Promise<T> => {
      run.onEvent?.({ name: fn.name, type: 'start', phase })
      const at = performance.now()
      const result = await task()
      const ms = Math.round(performance.now() - at)
      phases[`${phase}Ms`] = ms
      run.onEvent?.({ name: fn.name, type: 'done', phase, ms, bytes: bytes?.() })
      return result
    }
    const outcome = await (async (): Promise<Omit<FunctionDeployOutcome, 'durationMs' | 'phases'>> => {
      let artifact: FunctionArtifact
      try {
        artifact = await timed('build', () => buildFunction(fn, options))
      }
      catch (error) {
        return { name: fn.name, status: 'failed', error: asLambdaError(error, 'BUILD_FAILED') }
      }
      const current = serving.get(fn.name)
      if (current?.hash === artifact.hash) return { name: fn.name, status: 'unchanged', version: current.version, url: current.url, hash: artifact.hash }
      if (run.dryRun) {
        try {
          return { name: fn.name, status: 'would-build', hash: artifact.hash, ...await predictDeploy(client, fn.name, options.deploy.keepVersions) }
        }
        catch (error) {
          return { name: fn.name, status: 'failed', hash: artifact.hash, error: asLambdaError(error, 'DEPLOY_FAILED') }
        }
      }
      let uploadBytes: number | undefined
      try {
        const context = await packBuildContext(artifact, join(options.rootDir, '.lambda', 'deploy', fn.name), options.deploy.keepVersions)
        run.onEvent?.({ name: fn.name, type: 'start', phase: 'upload' })
        const uploadStarted = performance.now()
        let agentStarted: number | undefined
        const body = counted(context, (bytes) => {
          uploadBytes = bytes
          agentStarted = performance.now()
          phases.uploadMs = Math.round(agentStarted - uploadStarted)
          run.onEvent?.({ name: fn.name, type: 'done', phase: 'upload', ms: phases.uploadMs, bytes })
          run.onEvent?.({ name: fn.name, type: 'start', phase: 'agent' })
        })
        const result = await client.deploy(fn.name, body)
        if (agentStarted !== undefined) {
          phases.agentMs = Math.round(performance.now() - agentStarted)
          run.onEvent?.({ name: fn.name, type: 'done', phase: 'agent', ms: phases.agentMs })
        }
        return { name: fn.name, status: result.status, version: result.version, url: result.url, hash: result.hash, uploadBytes }
      }
      catch (error) {
        return { name: fn.name, status: 'failed', hash: artifact.hash, uploadBytes, error: asLambdaError(error, 'DEPLOY_FAILED') }
      }
    })()
    const done: FunctionDeployOutcome = { ...outcome, phases, durationMs: Math.round(performance.now() - started) }
    run.onOutcome?.(done)
    return done
  })
  return { outcomes, before }
}

/** What a deploy made current, function by function: its version, or for one that failed what it served before. */
export function releaseVersions(outcomes: FunctionDeployOutcome[], before: DeployedFunction[]): Record<string, number> {
  const served = new Map(before.map(f => [f.name, f.version]))
  const versions: Record<string, number> = {}
  for (const outcome of outcomes) {
    const version = outcome.status === 'failed' ? served.get(outcome.name) : outcome.version
    if (version) versions[outcome.name] = version
  }
  return versions
}
