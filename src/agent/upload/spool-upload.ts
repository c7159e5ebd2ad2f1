import type { TransformCallback } from 'node:stream'
import { createReadStream, createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { finished, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { LambdaError } from '../../errors'
import { notATar, uploadRejected, uploadTooLarge } from './upload-errors'

const GZIP_MAGIC = Buffer.from([0x1F, 0x8B])

/**
 * Writes the body into `workDir` as a plain tar, counting bytes. A gzip body is decompressed here,
 * under the same limit, so a small bomb cannot fill the disk and tar never decompresses anything itself.
 */
export async function spoolUpload(body: NodeJS.ReadableStream, workDir: string, maxBytes: number): Promise<{ tarFile: string, bytes: number }> {
  const rawFile = join(workDir, 'body')
  const bytes = await receiveBody(body, rawFile, maxBytes)
  if (!await startsWith(rawFile, GZIP_MAGIC)) return { tarFile: rawFile, bytes }

  const tarFile = join(workDir, 'body.tar')
  try {
    await pipeline(createReadStream(rawFile), createGunzip(), new ByteLimit(maxBytes, ' once decompressed'), createWriteStream(tarFile))
  }
  catch (error) {
    throw LambdaError.is(error) ? error : notATar(`its gzip data is damaged (${(error as Error).message})`, error)
  }
  if (await startsWith(tarFile, GZIP_MAGIC)) throw notATar('it is gzip-compressed twice')
  return { tarFile, bytes }
}

/**
 * Piped rather than pipelined: pipeline would destroy the request on overflow, and with it the
 * connection the caller needs to answer 413. The unread rest is left to the HTTP server.
 */
async function receiveBody(body: NodeJS.ReadableStream, file: string, maxBytes: number): Promise<number> {
  const counter = new ByteLimit(maxBytes)
  // Stays attached after a failure on purpose: a client that hangs up later must not become an unhandled 'error'.
  finished(body, (error) => {
    if (error) counter.destroy(uploadRejected('interrupted', 'the upload was interrupted before it finished', 'Check the network between the CLI and the agent, then deploy again.', error))
  })
  body.pipe(counter)
  const out = createWriteStream(file)
  try {
    await pipeline(counter, out)
    return counter.bytes
  }
  finally {
    body.unpipe(counter)
    // A stream destroyed mid-open still opens (creating the file) and then closes: wait for that,
    // or the caller's clean-up could run first and leave the file behind.
    if (!out.closed) await new Promise<void>(resolve => out.once('close', () => resolve()))
  }
}

/** Passes bytes through until there are more than `maxBytes`, then fails with UPLOAD_TOO_LARGE. */
class ByteLimit extends Transform {
  bytes = 0
  constructor(private readonly maxBytes: number, private readonly when = '') {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length
    if (this.bytes > this.maxBytes) callback(uploadTooLarge(this.maxBytes, this.when))
    else callback(null, chunk)
  }
}

async function startsWith(file: string, magic: Buffer): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(magic.length)
    const { bytesRead } = await handle.read(head, 0, magic.length, 0)
    return bytesRead === magic.length && head.equals(magic)
  }
  finally {
    await handle.close()
  }
}
