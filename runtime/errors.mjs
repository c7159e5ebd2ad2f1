/**
 * Same JSON shape as every other Mini Lambda error: { error: { code, message, hint } }.
 * @param {import('./types').Exchange} exchange
 * @param {number} status
 * @param {string} code
 * @param {unknown} error
 * @param {boolean} dev
 */
export function sendError(exchange, status, code, error, dev) {
  const message = error instanceof Error ? error.message : String(error ?? 'Unknown error')
  /** @type {{ error: { code: string, message: string, stack?: string[] } }} */
  const body = { error: { code, message } }
  if (dev && error instanceof Error && error.stack) body.error.stack = error.stack.split('\n').map(line => line.trim())
  if (exchange.headersSent) {
    exchange.destroy(error instanceof Error ? error : undefined)
    return
  }
  const json = Buffer.from(JSON.stringify(body))
  exchange.writeHead(status, undefined, ['content-type', 'application/json; charset=utf-8', 'content-length', String(json.length)])
  exchange.end(json)
}

/**
 * @param {string} functionName
 * @param {string} requestId
 * @param {unknown} error
 */
export function logInvocationError(functionName, requestId, error) {
  console.error(`[${functionName}] request ${requestId} failed:`, error)
}
