import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const cliPath = fileURLToPath(new URL('../../bin/lambda.mjs', import.meta.url))
export const runtimeBootstrap = fileURLToPath(new URL('../../runtime/bootstrap.mjs', import.meta.url))
