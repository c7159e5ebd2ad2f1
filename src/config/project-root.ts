import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { SUPPORTED_EXTENSIONS } from 'c12'
import { findNearestFile } from 'pkg-types'
import { LambdaError } from '../errors'
import { CONFIG_DEFAULTS } from './defaults'

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

/** Where a command looked for its project, and what it found there. */
export interface ProjectLocation {
  /** The project folder (or, when there is none, the folder the command would have used). */
  root: string
  /** It holds a `lambda.config.*`. */
  hasConfig: boolean
  /** The folders above `root` were searched too (no `--cwd`, no `--config`). */
  searchedAbove: boolean
}

const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory()

/**
 * A project is a folder with a `lambda.config.*`, or, without one, a `functions/` folder (the default
 * functionsDir): a folder with neither is not a project, and commands that need one say so.
 */
export const isProject = (location: ProjectLocation) => location.hasConfig || isDirectory(join(location.root, CONFIG_DEFAULTS.functionsDir))

export function describeLocation(root: string, searchedAbove: boolean): ProjectLocation {
  return { root, hasConfig: CONFIG_FILE_NAMES.some(name => existsSync(join(root, name))), searchedAbove }
}

/** What a command that needs a project says outside of one: where it looked, and how to start one. */
export function noProjectError(location: ProjectLocation): LambdaError {
  return new LambdaError({
    code: 'NO_PROJECT',
    status: 400,
    message: `No Mini Lambda project in ${location.root}: no lambda.config.* there${location.searchedAbove ? ' or in any folder above it' : ''}, and no ${CONFIG_DEFAULTS.functionsDir}/ folder.`,
    hint: `Run this in your project's folder (or pass --cwd <project>), or start a project with \`lambda init\`${location.searchedAbove ? '' : ` ${location.root}`}.`,
    data: { root: location.root },
  })
}
