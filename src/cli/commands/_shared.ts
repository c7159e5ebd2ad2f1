import type { LoadOptions } from '../../config/load'
import type { ProjectLocation } from '../../config/project-root'
import type { LambdaArgsDef } from '../args/lambda-args'
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { describeLocation, findProjectRoot, isProject, noProjectError } from '../../config/project-root'
import { usageError } from '../usage-error'

export const projectArgs = {
  cwd: { type: 'string', description: 'Project directory (default: the nearest folder with a lambda.config.*, from here up)', valueHint: 'dir' },
  config: { type: 'string', alias: 'c', description: 'Config file (default: lambda.config.ts)', valueHint: 'file' },
  env: { type: 'string', description: 'Config environment: applies $env.<name> overrides (default: NODE_ENV)', valueHint: 'name' },
} satisfies LambdaArgsDef

/** `--cwd` names a folder that is there: a typo must not scaffold or serve an empty project somewhere else. */
function checkedCwd(cwd: string): string {
  const dir = resolve(cwd)
  if (!existsSync(dir)) throw usageError({ code: 'DIRECTORY_NOT_FOUND', message: `--cwd ${cwd}: there is no folder ${dir}.`, hint: `Pass your project's folder, or create a project there with \`lambda init ${cwd}\`.` })
  if (!statSync(dir).isDirectory()) throw usageError({ code: 'DIRECTORY_NOT_FOUND', message: `--cwd ${cwd}: ${dir} is a file, not a folder.`, hint: 'Pass your project\'s folder (the one with lambda.config.ts), or --config <file> for a config file.' })
  return dir
}

/**
 * Where the project is: --cwd exactly; else, with --config, here; else the nearest folder from here up
 * with a lambda.config.* (commands work from any folder of the project, as npm and git do). `project`
 * says what was found there, for commands that need a project (see `requireProject`).
 */
export async function loadOptionsFromArgs(args: { cwd?: string, config?: string, env?: string }): Promise<LoadOptions & { cwd: string, project: ProjectLocation }> {
  const exact = args.cwd !== undefined || args.config !== undefined
  const cwd = exact ? checkedCwd(args.cwd ?? '.') : await findProjectRoot(process.cwd())
  return { cwd, configFile: args.config, envName: args.env, project: describeLocation(cwd, !exact) }
}

/** Commands that work on a project (dev, build, deploy) stop outside of one, saying where they looked. */
export function requireProject(load: { configFile?: string, project: ProjectLocation }): void {
  if (load.configFile === undefined && !isProject(load.project)) throw noProjectError(load.project)
}

export const forceArgs = {
  force: { type: 'boolean', alias: 'f', description: 'Overwrite existing files', default: false },
} satisfies LambdaArgsDef

/** Commands that report a result print it as JSON with `--json` (shapes: docs/cli.md). */
export const jsonArgs = {
  json: { type: 'boolean', description: 'Print the result as JSON (stable shape, see docs/cli.md); errors as { "error": … }', default: false },
} satisfies LambdaArgsDef

/**
 * Commands that talk to an agent: which one, for this command only. Each wins over LAMBDA_HOST /
 * LAMBDA_API_KEY, which win over the settings file (src/client/connection.ts).
 */
export const agentArgs = {
  host: { type: 'string', description: 'Agent URL for this command (default: LAMBDA_HOST, else the current context\'s)', valueHint: 'url' },
  key: { type: 'string', description: 'API key for this command; other users of this machine can read it in `ps`: prefer LAMBDA_API_KEY or `lambda config set-key`', valueHint: 'key' },
  context: { type: 'string', description: 'Saved agent to use for this command (see `lambda config use-context`)', valueHint: 'name', completeWith: 'contexts' },
} satisfies LambdaArgsDef
