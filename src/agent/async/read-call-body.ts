import type { IncomingMessage } from 'node:http'
import { LambdaError } from '../../errors'
import { ASYNC_LIMITS } from './async-limits'

function tooLarge(maxBytes: number): LambdaError {
  return new LambdaError({
    code: 'ASYNC_BODY_TOO_LARGE',
    status: 413,
    message: `An asynchronous call's body may be at most ${maxBytes / 1024} KB (it is stored until the call has run).`,
    hint: 'Send a smaller body (a reference to the data, e.g. a URL, instead of the data), or call the function synchronously, without X-Lambda-Invocation-Type: Event.',
    data: { maxBytes },
  })
}

/**
 * Reads the body of a call to store, counting bytes. Past the limit it stops reading (the answer is
 * 413; the rest is left unread, never destroying the request under the response).
 */
export function readCallBody(req: IncomingMessage, maxBytes: number = ASYNC_LIMITS.maxBodyBytes): Promise<Buffer> {
  if (Number(req.headers['content-length']) > maxBytes) return Promise.reject(tooLarge(maxBytes))
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
      reject(tooLarge(maxBytes))
    }
    const onEnd = () => {
      stop()
      resolve(Buffer.concat(chunks))
    }
    req.on('error', (error) => {
      stop()
      reject(new LambdaError({ code: 'BAD_REQUEST', status: 400, message: `The request body was interrupted (${error.message}); nothing was accepted.`, hint: 'Send the whole call again.' }))
    })
    req.on('data', onData)
    req.on('end', onEnd)
  })
}
