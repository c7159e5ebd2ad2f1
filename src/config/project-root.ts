import { dirname } from 'node:path'
import { SUPPORTED_EXTENSIONS } from 'c12'
import { findNearestFile } from 'pkg-types'

/** The names c12 loads for `lambda.config`: lambda.config.ts, .mjs, .json… */
export const CONFIG_FILE_NAMES = SUPPORTED_EXTENSIONS.map(ext => `lambda.config${ext}`)

/**
 * The project a command run in `from` belongs to: the nearest folder, `from` or above, that holds a
 * `lambda.config.*` (as npm looks for package.json and git for .git), so `lambda deploy` works from
 * `functions/hello` too. Without one anywhere above, `from` itself.
 */
export async function findProjectRoot(from: string): Promise<string> {
  // pkg-types throws when no folder up to the root has one.
  return findNearestFile(CONFIG_FILE_NAMES, { startingFrom: from }).then(dirname, () => from)
}
