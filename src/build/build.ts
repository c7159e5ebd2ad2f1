import type { LambdaOptions, ResolvedFunction } from '../config/types'
import type { FunctionArtifact } from './artifact'
import { join } from 'node:path'
import { createFunctionBuilder } from './builder'
import { buildDockerfileArtifact } from './dockerfile-artifact'

export interface BuildOutcome {
  fn: ResolvedFunction
  artifact?: FunctionArtifact
  error?: Error
}

export async function buildFunction(fn: ResolvedFunction, options: LambdaOptions): Promise<FunctionArtifact> {
  const outDir = join(options.build.outDir, fn.name)
  if (fn.kind === 'dockerfile') return buildDockerfileArtifact(fn, outDir)
  const builder = await createFunctionBuilder(fn, options, outDir)
  try {
    return await builder.build()
  }
  finally {
    await builder.dispose()
  }
}

/** Builds every function (in parallel); one failure does not stop the others. */
export async function buildFunctions(options: LambdaOptions, names?: string[]): Promise<BuildOutcome[]> {
  const selected = names?.length ? options.functions.filter(fn => names.includes(fn.name)) : options.functions
  return Promise.all(selected.map(async (fn) => {
    try {
      return { fn, artifact: await buildFunction(fn, options) }
    }
    catch (error) {
      return { fn, error: error as Error }
    }
  }))
}
