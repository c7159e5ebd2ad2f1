import { isUtf8 } from 'node:buffer'
import { STATUS_CODES } from 'node:http'

const TEXT_TYPE_RE = /^text\/|[/+](?:json|xml)\b|javascript|ecmascript|x-www-form-urlencoded/i

/** A body people read: a text content type, or none and valid UTF-8. */
export function isTextBody(contentType: string | null, body: Buffer): boolean {
  return contentType ? TEXT_TYPE_RE.test(contentType) : isUtf8(body)
}

/**
 * What `lambda invoke` prints after the body: a newline when the body lacks one, so the output
 * always ends with one — except a binary body going to a pipe or file, which is written byte for
 * byte (`lambda invoke thumbnail > out.png`).
 */
export function trailingNewline(body: Buffer, text: boolean, toTerminal: boolean): string {
  if (body.length === 0 || body[body.length - 1] === 0x0A) return ''
  return text || toTerminal ? '\n' : ''
}

/** The response as `--json` prints it: text bodies as text, others base64. */
export function responseJson(name: string, response: { status: number, statusText: string, headers: Headers }, body: Buffer) {
  const text = isTextBody(response.headers.get('content-type'), body)
  return {
    name,
    status: response.status,
    statusText: response.statusText || STATUS_CODES[response.status] || '',
    requestId: response.headers.get('x-request-id'),
    /** Where a 3xx points (printed, never followed); null for other answers. */
    location: response.status >= 300 && response.status < 400 ? response.headers.get('location') : null,
    headers: Object.fromEntries(response.headers),
    body: body.toString(text ? 'utf8' : 'base64'),
    bodyEncoding: text ? 'utf8' : 'base64',
  }
}
