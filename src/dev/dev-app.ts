import type { H3 } from 'h3'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NodeFastPath } from '../http/node-fast-path'
import type { OutputPointer } from '../proxy/errors'
import type { DevAddress } from './dev-address'
import type { DevRegistry } from './dev-registry'
import { randomUUID } from 'node:crypto'
import { LambdaError } from '../errors'
import { createLambdaApp, jsonResponse } from '../http/error-response'
import { finishFastPath } from '../http/node-fast-path'
import { shortRequestId } from '../log/attributed-line'
import { logInvocation } from '../log/function-log'
import { invokeThroughPool } from '../proxy/invoke'
import { resolveRoute } from '../router/route'
import { functionURLs, routingHost } from './dev-address'

/** `address`: where the dev server listens, so that the example URL works as it is. */
export function functionNotFound(name: string, known: string[], address: DevAddress): LambdaError {
  const example = known[0] === undefined ? undefined : functionURLs(known[0], address)
  return new LambdaError({
    code: 'FUNCTION_NOT_FOUND',
    status: 404,
    message: `No function named "${name}". Known functions: ${known.length > 0 ? known.join(', ') : '(none)'}.`,
    hint: example ? `Call one of them, e.g. ${[example.host, example.path].filter(Boolean).join(' or ')}, or create it with \`lambda new ${name}\`.` : `Create one with \`lambda new ${name}\`.`,
    data: { known },
  })
}

/** Under `lambda dev` a request's output is in the terminal, on lines marked with its id. */
const devTerminalPointer: OutputPointer = (_name, requestId) => `in the lambda dev terminal, on the lines marked ${shortRequestId(requestId)}`

/** Serves one request for function `route.name`: its build must be done and good. */
async function invokeDevFunction(registry: DevRegistry, req: IncomingMessage, res: ServerResponse, route: { name: string, path: string }, address: DevAddress): Promise<void> {
  const fn = registry.get(route.name)
  if (!fn) throw functionNotFound(route.name, registry.names(), address)
  await fn.building
  if (fn.buildError) throw fn.buildError
  if (fn.fn.kind === 'dockerfile' || !fn.pool) {
    throw new LambdaError({ code: 'NOT_SUPPORTED_IN_DEV', status: 501, message: `Function "${fn.name}" is built from a Dockerfile; lambda dev runs Node functions only.`, hint: 'Deploy it to an agent (`lambda deploy`) to run it.' })
  }
  const requestId = randomUUID()
  return invokeThroughPool(req, res, {
    pool: fn.pool,
    path: route.path,
    timeoutMs: fn.fn.timeout * 1000,
    memory: fn.fn.memory,
    forwarded: { requestId, clientIp: req.socket.remoteAddress ?? '127.0.0.1', host: req.headers.host ?? 'localhost', proto: 'http' },
    onComplete: logInvocation,
    output: devTerminalPointer,
  }).catch((error) => {
    // As on the agent, an error answer carries the request id too.
    if (!res.headersSent) res.setHeader('x-request-id', requestId)
    throw error
  })
}

const routeOptions = { domain: 'localhost', pathRouting: true }

const routeOf = (req: IncomingMessage, address: DevAddress) => resolveRoute(routingHost(req.headers.host, address), req.url ?? '/', routeOptions)

/**
 * The dev server's single handler: routes by Host (`<fn>.localhost`) or path (`/<fn>/…`) to a function.
 * `getAddress`: where it listens (known once it does), for the URLs it shows.
 */
export function createDevApp(registry: DevRegistry, getAddress: () => DevAddress): H3 {
  const app = createLambdaApp({ silent: true })
  app.all('/**', async (event) => {
    const req = event.runtime!.node!.req as IncomingMessage
    const res = event.runtime!.node!.res as ServerResponse
    const address = getAddress()
    const route = routeOf(req, address)
    if (route.kind === 'root') {
      return jsonResponse({ functions: registry.names().map(name => ({ name, urls: functionURLs(name, address) })) })
    }
    if (route.kind !== 'function') throw functionNotFound(route.kind === 'unknown-host' ? route.host : route.path, registry.names(), address)
    return invokeDevFunction(registry, req, res, route, address)
  })
  return app
}

/** A function's requests ahead of h3 (see node-fast-path.ts); the listing and 404s stay with the app. */
export function createDevFastPath(registry: DevRegistry, getAddress: () => DevAddress): NodeFastPath {
  return (req, res) => {
    const address = getAddress()
    const route = routeOf(req, address)
    if (route.kind !== 'function' || !registry.get(route.name)) return false
    finishFastPath(res, invokeDevFunction(registry, req, res, route, address))
    return true
  }
}
