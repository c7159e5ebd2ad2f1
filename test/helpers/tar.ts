import { Header, type HeaderData } from 'tar'

export interface TarEntrySpec extends HeaderData {
  path: string
  body?: string | Buffer
}

/**
 * Builds a tar block by block with tar's own Header, so tests can send archives that `tar.c`
 * refuses to create (absolute paths, `..`, devices, links out of the folder).
 * A `size` in the spec overrides the body's length, to declare more than is sent.
 */
export function buildTar(entries: TarEntrySpec[], { endBlocks = true } = {}): Buffer {
  const blocks: Buffer[] = []
  for (const { body, ...data } of entries) {
    const content = typeof body === 'string' ? Buffer.from(body) : body ?? Buffer.alloc(0)
    const header = Buffer.alloc(512)
    new Header({ type: 'File', mode: 0o644, mtime: new Date(0), size: content.length, ...data }).encode(header, 0)
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512))
  }
  if (endBlocks) blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}
