import { readFile } from 'node:fs/promises'
import { buffer } from 'node:stream/consumers'
import { LambdaError } from '../errors'

export interface RequestBody {
  body: Buffer | string
  /** Inline text is JSON unless a header says otherwise; a file or stdin has no type of its own. */
  contentType?: string
}

/**
 * `--data` as curl reads it: inline text, `@file`, or `@-` for stdin. Files and stdin are sent byte for
 * byte (curl's `--data-binary`): a payload is often an image or a tarball, whose newlines matter.
 */
export async function readRequestBody(data: string): Promise<RequestBody> {
  if (!data.startsWith('@')) return { body: data, contentType: 'application/json' }
  const file = data.slice(1)
  if (file === '-') {
    if (process.stdin.isTTY) process.stderr.write('Reading the request body from stdin; end it with Ctrl-D.\n')
    return { body: await buffer(process.stdin) }
  }
  if (file === '') throw new LambdaError({ code: 'FILE_NOT_READABLE', status: 400, message: '--data @ names no file.', hint: 'Pass --data @<file>, or --data @- to read stdin.' })
  const body = await readFile(file).catch((error: Error) => {
    throw new LambdaError({ code: 'FILE_NOT_READABLE', status: 400, message: `Cannot read ${file}: ${error.message}`, hint: 'Pass --data @<existing file>, --data @- to read stdin, or inline JSON.' })
  })
  return { body }
}
