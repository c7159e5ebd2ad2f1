#!/usr/bin/env node
// Serves one bundled function over HTTP: dialing the agent at LAMBDA_AGENT_SOCKET, or on LAMBDA_SOCKET.
// Dependency-free on purpose: this folder is copied as-is into container images.
import { adoptGraceMs } from './agent-redial.mjs'
import { loadHandler } from './handler.mjs'
import { startServer } from './server.mjs'
import { waitForAssignment } from './spare.mjs'
import { reportStartupError } from './startup-error.mjs'

if (process.env.LAMBDA_SPARE === '1') Object.assign(process.env, await waitForAssignment())

const settings = {
  agentSocket: process.env.LAMBDA_AGENT_SOCKET,
  socketPath: process.env.LAMBDA_SOCKET,
  handlerPath: process.env.LAMBDA_HANDLER || '/var/task/index.mjs',
  functionName: process.env.LAMBDA_FUNCTION_NAME || 'function',
  version: process.env.LAMBDA_FUNCTION_VERSION || '$LATEST',
  timeoutMs: Math.round(Number(process.env.LAMBDA_TIMEOUT || 30) * 1000),
  memory: Number(process.env.LAMBDA_MEMORY || 128),
  dev: process.env.LAMBDA_DEV === '1',
  adoptGraceMs: adoptGraceMs(),
}
// The function sees none of the runtime's plumbing.
delete process.env.LAMBDA_AGENT_SOCKET
delete process.env.LAMBDA_ADOPT_GRACE_MS

if (!settings.agentSocket && !settings.socketPath) {
  console.error('[runtime] neither LAMBDA_AGENT_SOCKET (the agent to dial) nor LAMBDA_SOCKET (a unix socket to serve on) is set.')
  process.exit(64)
}

// The IPC channel (spares, lambda dev, the process provider) closes before the function loads: bytes
// the function wrote onto it would be parsed by the agent itself. The link's control connection tells
// the runtime when the agent is gone instead.
if (settings.agentSocket && process.connected) {
  await new Promise((resolve) => {
    process.once('disconnect', resolve)
    process.disconnect()
  })
}

let handler
try {
  handler = await loadHandler(settings.handlerPath)
}
catch (error) {
  await reportStartupError(settings, error)
  process.exit(1)
}

startServer(handler, settings)
