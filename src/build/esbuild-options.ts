import type { BuildOptions } from 'esbuild'
import type { LambdaOptions, ResolvedFunction } from '../config/types'
import type { ModuleFormat } from './module-format'
import { join } from 'node:path'
import { BUNDLE_FILES } from './module-format'

// Bundled CommonJS dependencies call `require()` for Node built-ins; ESM has no `require`,
// so give the bundle one (esbuild's shim looks for a global of that name).
const REQUIRE_SHIM = `import { createRequire as __lambdaCreateRequire } from 'node:module';\nglobalThis.require ??= __lambdaCreateRequire(import.meta.url);`

/** esbuild options that turn a function into one self-contained file for the runtime, in its entry's format. */
export function functionBuildOptions(fn: ResolvedFunction, options: Pick<LambdaOptions, 'rootDir' | 'build'>, outDir: string, format: ModuleFormat = 'esm'): BuildOptions & { metafile: true, write: false } {
  return {
    entryPoints: [fn.entry!],
    outfile: join(outDir, BUNDLE_FILES[format]),
    absWorkingDir: options.rootDir,
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    sourcemap: 'linked',
    minify: options.build.minify,
    external: options.build.external,
    keepNames: true,
    metafile: true,
    write: false,
    logLevel: 'silent',
    // A CommonJS bundle has the real `require`; and no banner there, which would push a "use strict" off the top.
    ...(format === 'esm' ? { banner: { js: REQUIRE_SHIM } } : {}),
  }
}
