import { requestHeaderPairs } from './headers.mjs'

const TEXT_TYPE_RE = /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson|ld\+json)|[^;]*\+(json|xml)\b)/i
const utf8 = new TextDecoder('utf-8', { fatal: true })

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

function safeDecode(path) {
  try {
    return decodeURI(path)
  }
  catch {
    return path
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = n => String(n).padStart(2, '0')
/** API Gateway's CLF-style time: `12/Mar/2020:19:03:58 +0000`. */
function clfTime(date) {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
}

/** Builds an API Gateway HTTP API event, payload format 2.0, from a Node request and its body. */
export function toHttpApiEvent(req, body, context) {
  const headers = {}
  const cookies = []
  for (const [rawName, value] of requestHeaderPairs(req)) {
    const name = rawName.toLowerCase()
    if (name === 'cookie') {
      for (const cookie of value.split(';')) if (cookie.trim()) cookies.push(cookie.trim())
      continue
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`
  }

  const queryIndex = req.url.indexOf('?')
  const rawPath = queryIndex === -1 ? req.url : req.url.slice(0, queryIndex)
  const rawQueryString = queryIndex === -1 ? '' : req.url.slice(queryIndex + 1)
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
        method: req.method,
        path: safeDecode(rawPath),
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: forwardedFor ? forwardedFor.split(',')[0].trim() : (req.socket.remoteAddress || '127.0.0.1'),
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
