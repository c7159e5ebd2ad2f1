const TEXT_TYPE_RE = /^(?:text\/|application\/(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson|ld\+json)|[^;]*\+(?:json|xml)\b)/i
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * @param {string | undefined} contentType
 * @param {Buffer} body
 */
function isTextBody(contentType, body) {
  if (contentType && !TEXT_TYPE_RE.test(contentType)) return false
  try {
    utf8.decode(body)
    return true
  }
  catch {
    return false
  }
}

/** @param {string} path */
function safeDecode(path) {
  try {
    return decodeURI(path)
  }
  catch {
    return path
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = /** @param {number} n */ n => String(n).padStart(2, '0')
/** API Gateway's CLF-style time: `12/Mar/2020:19:03:58 +0000`. */
/** @param {Date} date */
function clfTime(date) {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
}

/**
 * Builds an API Gateway HTTP API event, payload format 2.0, from a request and its body.
 * @param {import('./types').Exchange} exchange
 * @param {Buffer} body
 * @param {import('./types').InvocationContext} context
 */
export function toHttpApiEvent(exchange, body, context) {
  /** @type {Record<string, string>} */
  const headers = {}
  /** @type {string[]} */
  const cookies = []
  const raw = exchange.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = /** @type {string} */ (raw[i]).toLowerCase()
    const value = /** @type {string} */ (raw[i + 1])
    if (name === 'cookie') {
      for (const cookie of value.split(';')) {
        if (cookie.trim()) cookies.push(cookie.trim())
      }
      continue
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`
  }

  const url = exchange.url
  const queryIndex = url.indexOf('?')
  const rawPath = queryIndex === -1 ? url : url.slice(0, queryIndex)
  const rawQueryString = queryIndex === -1 ? '' : url.slice(queryIndex + 1)
  /** @type {Record<string, string> | undefined} */
  let queryStringParameters
  if (rawQueryString) {
    queryStringParameters = {}
    for (const [key, value] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[key] = queryStringParameters[key] === undefined ? value : `${queryStringParameters[key]},${value}`
    }
  }

  const now = new Date()
  const host = (headers.host || 'localhost').replace(/:\d+$/, '')
  const forwardedFor = headers['x-forwarded-for']
  /** @type {Record<string, unknown>} */
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'mini-lambda',
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: exchange.method,
        path: safeDecode(rawPath),
        protocol: `HTTP/${exchange.httpVersion}`,
        sourceIp: forwardedFor ? String(forwardedFor.split(',')[0]).trim() : (exchange.remoteAddress || '127.0.0.1'),
        userAgent: headers['user-agent'] || '',
      },
      requestId: context.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  }
  if (body.length > 0) {
    if (isTextBody(headers['content-type'], body)) {
      event.body = body.toString('utf8')
    }
    else {
      event.body = body.toString('base64')
      event.isBase64Encoded = true
    }
  }
  return event
}
