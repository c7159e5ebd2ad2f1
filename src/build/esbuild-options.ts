import { join } from 'node:path'
import type { BuildOptions } from 'esbuild'
import type { LambdaOptions, ResolvedFunction } from '../config/types'

export const BUNDLE_FILE = 'index.mjs'

// Bundled CommonJS dependencies call `require()` for Node built-ins; ESM has no `require`,
// so give the bundle one (esbuild's shim looks for a global of that name).
const REQUIRE_SHIM = `import { createRequire as __lambdaCreateRequire } from 'node:module';\nglobalThis.require ??= __lambdaCreateRequire(import.meta.url);`

/** esbuild options that turn a function into one self-contained ESM file for the runtime. */
export function functionBuildOptions(fn: ResolvedFunction, options: Pick<LambdaOptions, 'rootDir' | 'build'>, outDir: string): BuildOptions & { metafile: true; write: false } {
  return {
    entryPoints: [fn.entry!],
    outfile: join(outDir, BUNDLE_FILE),
    absWorkingDir: options.rootDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    minify: options.build.minify,
    external: options.build.external,
    keepNames: true,
    metafile: true,
    write: false,
    logLevel: 'silent',
    banner: { js: REQUIRE_SHIM },
  }
}
