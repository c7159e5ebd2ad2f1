/**
 * The URL a web Request gets: the host and scheme the client used (the gateway forwards them).
 * @param {import('./types').Exchange} exchange
 */
export function requestURL(exchange) {
  const proto = exchange.header('x-forwarded-proto') === 'https' ? 'https' : 'http'
  return `${proto}://${exchange.header('host') || 'localhost'}${exchange.url}`
}
