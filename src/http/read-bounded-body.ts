import type { IncomingMessage } from 'node:http'
import type { LambdaError } from '../errors'

export interface BodyErrors {
  /** Past `maxBytes`, by Content-Length or by the bytes that came. */
  tooLarge: () => LambdaError
  /** The client hung up or the stream failed mid-body. */
  interrupted: (error: Error) => LambdaError
}

/**
 * Reads a request body from Node's request, counting bytes. Over the limit it stops reading and leaves
 * the rest unread, never destroying the request: h3's assertBodySize cancels the stream, which drops the
 * socket under the response, and listhen's shutdown hook then crashes the agent on that response.
 */
export function readBoundedBody(req: IncomingMessage, maxBytes: number, errors: BodyErrors): Promise<Buffer> {
  if (Number(req.headers['content-length']) > maxBytes) return Promise.reject(errors.tooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let bytes = 0
    const stop = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.pause()
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes <= maxBytes) return void chunks.push(chunk)
      stop()
      reject(errors.tooLarge())
    }
    const onEnd = () => {
      stop()
      resolve(Buffer.concat(chunks))
    }
    // Stays attached: a client that hangs up later must not become an unhandled 'error'.
    req.on('error', (error) => {
      stop()
      reject(errors.interrupted(error))
    })
    req.on('data', onData)
    req.on('end', onEnd)
  })
}
