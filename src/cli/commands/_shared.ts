import type { ArgsDef } from 'citty'
import { resolve } from 'node:path'
import type { LoadOptions } from '../../config/load'

export const projectArgs = {
  cwd: { type: 'string', description: 'Project directory', default: '.', valueHint: 'dir' },
  config: { type: 'string', alias: 'c', description: 'Config file (default: lambda.config.ts)', valueHint: 'file' },
  env: { type: 'string', description: 'Config environment: applies $env.<name> overrides (default: NODE_ENV)', valueHint: 'name' },
} satisfies ArgsDef

export function loadOptionsFromArgs(args: { cwd?: string; config?: string; env?: string }): LoadOptions {
  return { cwd: resolve(args.cwd ?? '.'), configFile: args.config, envName: args.env }
}

export const forceArgs = {
  force: { type: 'boolean', alias: 'f', description: 'Overwrite existing files', default: false },
} satisfies ArgsDef
