/**
 * Same JSON shape as every other Mini Lambda error: { error: { code, message, hint } }.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} code
 * @param {unknown} error
 * @param {boolean} dev
 */
export function sendError(res, status, code, error, dev) {
  const message = error instanceof Error ? error.message : String(error ?? 'Unknown error')
  /** @type {{ error: { code: string, message: string, stack?: string[] } }} */
  const body = { error: { code, message } }
  if (dev && error instanceof Error && error.stack) body.error.stack = error.stack.split('\n').map(line => line.trim())
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined)
    return
  }
  const json = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) })
  res.end(json)
}

/**
 * @param {string} functionName
 * @param {string} requestId
 * @param {unknown} error
 */
export function logInvocationError(functionName, requestId, error) {
  console.error(`[${functionName}] request ${requestId} failed:`, error)
}
