import type { ResolvedFunction } from '../config/types'
import { existsSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { assertFunctionName } from '../config/function-name'
import { resolveFunctionSettings } from '../config/resolve/function-settings'
import { findEntry } from '../config/resolve/functions'
import { LambdaError } from '../errors'

/** `lambda deploy <dir> --name <name>`: one folder as a function, with default options. */
export function resolveSingleFunction(path: string, name: string | undefined): ResolvedFunction {
  const dir = resolve(path)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new LambdaError({ code: 'NOT_A_DIRECTORY', status: 400, message: `${path} is not a folder.`, hint: 'Pass the folder of one function, e.g. `lambda deploy functions/hello --name hello`.' })
  }
  const fnName = name ?? basename(dir)
  assertFunctionName(fnName, 'or pass --name')
  const entry = findEntry(dir)
  const hasDockerfile = existsSync(join(dir, 'Dockerfile'))
  if (!entry && !hasDockerfile) {
    throw new LambdaError({ code: 'NO_ENTRY', status: 400, message: `${path} holds neither an index.ts/.js/.mjs nor a Dockerfile.`, hint: 'Point at a function folder, or create one with `lambda new <name>`.' })
  }
  return { ...resolveFunctionSettings(fnName, entry ? 'node' : 'dockerfile', {}), dir, entry }
}
