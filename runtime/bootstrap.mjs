#!/usr/bin/env node
// Serves one bundled function over HTTP on the unix socket named by LAMBDA_SOCKET.
// Dependency-free on purpose: this folder is copied as-is into container images.
import { loadHandler } from './handler.mjs'
import { startServer } from './server.mjs'
import { reportStartupError } from './startup-error.mjs'
import { waitForAssignment } from './spare.mjs'

if (process.env.LAMBDA_SPARE === '1') Object.assign(process.env, await waitForAssignment())

const settings = {
  socketPath: process.env.LAMBDA_SOCKET,
  handlerPath: process.env.LAMBDA_HANDLER || '/var/task/index.mjs',
  functionName: process.env.LAMBDA_FUNCTION_NAME || 'function',
  version: process.env.LAMBDA_FUNCTION_VERSION || '$LATEST',
  timeoutMs: Math.round(Number(process.env.LAMBDA_TIMEOUT || 30) * 1000),
  memory: Number(process.env.LAMBDA_MEMORY || 128),
  dev: process.env.LAMBDA_DEV === '1',
}

if (!settings.socketPath) {
  console.error('[runtime] LAMBDA_SOCKET is not set: it must name the unix socket to serve on.')
  process.exit(64)
}

let handler
try {
  handler = await loadHandler(settings.handlerPath)
}
catch (error) {
  reportStartupError(settings.socketPath, error)
  process.exit(1)
}

startServer(handler, settings)
