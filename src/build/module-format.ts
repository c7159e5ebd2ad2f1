import type { ResolvedFunction } from '../config/types'
import { existsSync } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { LambdaError } from '../errors'

/**
 * A function's bundle keeps the module format of its entry file, so CommonJS code runs as Node runs it
 * under AWS Lambda: sloppy mode, `module`, `exports`, `__dirname`, `__filename`, `require`, `this` at the
 * top. An ES module bundle would wrap it in strict mode, where e.g. an undeclared assignment throws.
 */
export type ModuleFormat = 'esm' | 'cjs'

/** The bundle's file name gives Node its format: `.mjs` is always ESM, `.cjs` always CommonJS. */
export const BUNDLE_FILES: Record<ModuleFormat, string> = { esm: 'index.mjs', cjs: 'index.cjs' }

/** The bundle in a built or deployed function's folder (a CommonJS one when present, else the ESM one). */
export function bundleFileIn(dir: string): string {
  const cjs = join(dir, BUNDLE_FILES.cjs)
  return existsSync(cjs) ? cjs : join(dir, BUNDLE_FILES.esm)
}

const isRegularFile = (path: string) => lstat(path).then(info => info.isFile(), () => false)

/**
 * The bundle of an uploaded function's folder, by the same rule (CommonJS first), counting only regular
 * files at its top (never a link): undefined when it holds neither.
 */
export async function uploadedBundle(dir: string): Promise<string | undefined> {
  for (const file of [BUNDLE_FILES.cjs, BUNDLE_FILES.esm]) {
    if (await isRegularFile(join(dir, file))) return file
  }
  return undefined
}

/**
 * The entry's format as Node would see it: esbuild parses the one file (no bundling, a few ms) and judges
 * it by its syntax and, for `.js`, by the nearest package.json's "type". A file with neither `import`/
 * `export` nor `exports`/`module` has no exports either; it gets an ES module bundle (and the runtime's
 * "exports nothing" error).
 */
export async function entryModuleFormat(fn: ResolvedFunction, rootDir: string): Promise<ModuleFormat> {
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: [fn.entry!],
    absWorkingDir: rootDir,
    bundle: false,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  })
  const misplaced = result.warnings.find(w => w.id === 'commonjs-variable-in-esm')
  if (misplaced) throw commonjsInModuleError(fn, rootDir, misplaced.text)
  const input = Object.values(result.metafile.inputs)[0]
  return input?.format === 'cjs' ? 'cjs' : 'esm'
}

/** CommonJS code in a file Node treats as an ES module: it would fail at load with "exports is not defined". */
function commonjsInModuleError(fn: ResolvedFunction, rootDir: string, detail: string): LambdaError {
  const entry = relative(rootDir, fn.entry!)
  const fix = `Rename it to ${entry.replace(/\.([jt])s$/, '.c$1s')} (CommonJS whatever package.json says), or use export instead of exports/module.exports.`
  return new LambdaError({
    code: 'BUILD_FAILED',
    status: 500,
    message: `Build of function "${fn.name}" failed: ${entry} is CommonJS, but the nearest package.json says "type": "module", so Node treats it as an ES module (${detail.replace(/\.$/, '')}). ${fix}`,
    hint: fix,
  })
}
