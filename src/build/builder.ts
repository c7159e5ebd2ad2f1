import type { BuildContext, BuildFailure, Message } from 'esbuild'
import type { LambdaOptions, ResolvedFunction } from '../config/types'
import type { FunctionArtifact } from './artifact'
import type { ModuleFormat } from './module-format'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { LambdaError } from '../errors'
import { writeFileAtomic } from '../fs/atomic-write'
import { MANIFEST_FILE } from './artifact'
import { functionBuildOptions } from './esbuild-options'
import { contentHash, runtimeConfigOf } from './hash'
import { BUNDLE_FILES, entryModuleFormat } from './module-format'

export interface FunctionBuilder {
  readonly fn: ResolvedFunction
  /** Bundles (incrementally after the first time) and writes the artifact atomically. */
  build: () => Promise<FunctionArtifact>
  dispose: () => Promise<void>
}

async function formatMessages(messages: Message[]): Promise<string> {
  const { formatMessages } = await import('esbuild')
  const formatted = await formatMessages(messages, { kind: 'error', color: false, terminalWidth: 100 })
  return formatted.join('').trim()
}

export async function buildError(fn: ResolvedFunction, error: unknown): Promise<LambdaError> {
  const failure = error as Partial<BuildFailure>
  const detail = failure.errors?.length ? await formatMessages(failure.errors) : (error as Error).message
  return new LambdaError({
    code: 'BUILD_FAILED',
    status: 500,
    message: `Build of function "${fn.name}" failed:\n${detail}`,
    hint: `Fix the error in ${fn.name}'s code; the function serves again after the next successful build.`,
    cause: error,
  })
}

/** Creates an esbuild context for one function; `build()` can run again after edits (hot reload). */
export async function createFunctionBuilder(fn: ResolvedFunction, options: Pick<LambdaOptions, 'rootDir' | 'build'>, outDir: string, write: { durable?: boolean } = {}): Promise<FunctionBuilder> {
  if (fn.kind !== 'node' || !fn.entry) throw new Error(`Function "${fn.name}" is built from its Dockerfile, not bundled.`)
  const esbuild = await import('esbuild')
  let format: ModuleFormat | undefined
  let context: BuildContext<ReturnType<typeof functionBuildOptions>> | undefined
  return {
    fn,
    async build() {
      let result
      try {
        // The entry may have changed format since the last build (hot reload): then start a new context.
        const current = await entryModuleFormat(fn, options.rootDir)
        if (current !== format) {
          await context?.dispose()
          context = undefined
          format = current
        }
        context ??= await esbuild.context(functionBuildOptions(fn, options, outDir, format))
        result = await context.rebuild()
      }
      catch (error) {
        throw LambdaError.is(error) ? error : await buildError(fn, error)
      }
      const bundleFile = BUNDLE_FILES[format]
      const bundle = result.outputFiles.find(f => f.path.endsWith(bundleFile))!
      const map = result.outputFiles.find(f => f.path.endsWith('.map'))
      // A bundle of the other format, left by an earlier build, must not be taken for this one.
      const stale = BUNDLE_FILES[format === 'esm' ? 'cjs' : 'esm']
      await Promise.all([stale, `${stale}.map`].map(file => rm(join(outDir, file), { force: true })))
      if (map) await writeFileAtomic(map.path, map.contents, write)
      await writeFileAtomic(bundle.path, bundle.contents, write)
      const artifact: FunctionArtifact = {
        name: fn.name,
        kind: 'node',
        dir: outDir,
        bundlePath: bundle.path,
        hash: contentHash(bundle.contents, fn),
        config: runtimeConfigOf(fn),
        inputs: Object.keys(result.metafile.inputs).filter(p => !p.includes(':')).map(p => resolve(options.rootDir, p)),
        size: bundle.contents.byteLength,
        builtAt: new Date().toISOString(),
      }
      await writeFileAtomic(join(outDir, MANIFEST_FILE), `${JSON.stringify(artifact, null, 2)}\n`, write)
      return artifact
    },
    async dispose() {
      await context?.dispose()
      context = undefined
    },
  }
}
