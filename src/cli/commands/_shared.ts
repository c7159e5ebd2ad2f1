import type { LoadOptions } from '../../config/load'
import type { LambdaArgsDef } from '../args/lambda-args'
import { resolve } from 'node:path'
import { findProjectRoot } from '../../config/project-root'

export const projectArgs = {
  cwd: { type: 'string', description: 'Project directory (default: the nearest folder with a lambda.config.*, from here up)', valueHint: 'dir' },
  config: { type: 'string', alias: 'c', description: 'Config file (default: lambda.config.ts)', valueHint: 'file' },
  env: { type: 'string', description: 'Config environment: applies $env.<name> overrides (default: NODE_ENV)', valueHint: 'name' },
} satisfies LambdaArgsDef

/**
 * Where the project is: --cwd exactly; else, with --config, here; else the nearest folder from here up
 * with a lambda.config.* (commands work from any folder of the project, as npm and git do).
 */
export async function loadOptionsFromArgs(args: { cwd?: string, config?: string, env?: string }): Promise<LoadOptions> {
  const cwd = args.cwd !== undefined || args.config !== undefined ? resolve(args.cwd ?? '.') : await findProjectRoot(process.cwd())
  return { cwd, configFile: args.config, envName: args.env }
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
  context: { type: 'string', description: 'Saved agent to use for this command (see `lambda config use-context`)', valueHint: 'name' },
} satisfies LambdaArgsDef
