// The runtime frames the body itself; a handler's own framing headers would contradict it.
const FRAMING = new Set(['content-length', 'transfer-encoding'])

/**
 * Maps a handler's result exactly as API Gateway maps payload format 2.0 results:
 * an object with `statusCode` is a response description; anything else becomes a 200 JSON body.
 * @param {any} result
 * @returns {{ status: number, headers: string[], body: Buffer }}
 */
export function fromHttpApiResult(result) {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const headers = []
    for (const [name, value] of Object.entries(result.headers || {})) {
      if (!FRAMING.has(name.toLowerCase())) headers.push(name, String(value))
    }
    // Payload 1.0 style still shows up in handlers ported from REST APIs; API Gateway honours it too.
    for (const [name, values] of Object.entries(result.multiValueHeaders || {})) {
      for (const value of [].concat(values)) headers.push(name, String(value))
    }
    for (const cookie of result.cookies || []) headers.push('set-cookie', String(cookie))
    let body = result.body
    if (body === undefined || body === null) body = ''
    else if (typeof body !== 'string') body = JSON.stringify(body)
    const payload = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8')
    return { status: Number(result.statusCode), headers, body: payload }
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result === undefined ? null : result)
  return { status: 200, headers: ['content-type', 'application/json'], body: Buffer.from(body, 'utf8') }
}
