import { join } from 'node:path'
import type { FunctionArtifact } from '../build/artifact'
import { buildFunction } from '../build/build'
import type { LambdaOptions, ResolvedFunction } from '../config/types'
import type { AgentClient } from '../client/agent-client'
import { LambdaError } from '../errors'
import { packBuildContext } from './build-context'

export interface FunctionDeployOutcome {
  name: string
  status: 'built' | 'unchanged' | 'failed'
  version?: number
  url?: string
  durationMs: number
  error?: LambdaError
}

/** Runs `task` over `items` with at most `limit` at once. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index]!)
    }
  }))
  return results
}

/**
 * Deploys functions to the agent: builds each, skips the ones whose content hash is the one already
 * serving (no upload, no rebuild), and streams the others' build contexts. One failure does not
 * stop the rest.
 */
export async function deployFunctions(options: LambdaOptions, functions: ResolvedFunction[], client: AgentClient, onOutcome?: (outcome: FunctionDeployOutcome) => void): Promise<FunctionDeployOutcome[]> {
  const serving = new Map((await client.listFunctions()).map(f => [f.name, f]))
  return mapLimit(functions, 3, async (fn) => {
    const started = performance.now()
    const outcome = await (async (): Promise<Omit<FunctionDeployOutcome, 'durationMs'>> => {
      let artifact: FunctionArtifact
      try {
        artifact = await buildFunction(fn, options)
      }
      catch (error) {
        return { name: fn.name, status: 'failed', error: LambdaError.is(error) ? error : new LambdaError({ code: 'BUILD_FAILED', message: String(error) }) }
      }
      const current = serving.get(fn.name)
      if (current?.hash === artifact.hash) return { name: fn.name, status: 'unchanged', version: current.version, url: current.url }
      try {
        const context = await packBuildContext(artifact, join(options.rootDir, '.lambda', 'deploy', fn.name), options.deploy.keepVersions)
        const result = await client.deploy(fn.name, context)
        return { name: fn.name, status: result.status, version: result.version, url: result.url }
      }
      catch (error) {
        return { name: fn.name, status: 'failed', error: LambdaError.is(error) ? error : new LambdaError({ code: 'DEPLOY_FAILED', message: String(error) }) }
      }
    })()
    const done = { ...outcome, durationMs: Math.round(performance.now() - started) }
    onOutcome?.(done)
    return done
  })
}
