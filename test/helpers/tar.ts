import type { HeaderData } from 'tar'
import { Header, Pax } from 'tar'

export interface TarEntrySpec extends HeaderData {
  path: string
  body?: string | Buffer
}

/**
 * Builds a tar block by block with tar's own Header, so tests can send archives that `tar.c`
 * refuses to create (absolute paths, `..`, devices, links out of the folder).
 * A `size` in the spec overrides the body's length, to declare more than is sent.
 * Paths and link targets too long for the header travel in a pax header first, as real tar does it.
 */
export function buildTar(entries: TarEntrySpec[], { endBlocks = true } = {}): Buffer {
  const blocks: Buffer[] = []
  for (const { body, ...data } of entries) {
    const content = typeof body === 'string' ? Buffer.from(body) : body ?? Buffer.alloc(0)
    const header = Buffer.alloc(512)
    const long = (value?: string) => value !== undefined && Buffer.byteLength(value) > 100
    const needPax = long(data.path) || long(data.linkpath)
    // tar's Header would try (slowly, for huge paths) to split a long path; the pax header carries it instead.
    const short = { ...(long(data.path) ? { path: 'long-path' } : {}), ...(long(data.linkpath) ? { linkpath: 'long-linkpath' } : {}) }
    new Header({ type: 'File', mode: 0o644, mtime: new Date(0), size: content.length, ...data, ...short }).encode(header, 0)
    if (needPax) blocks.push(new Pax({ path: data.path, linkpath: data.linkpath, mtime: new Date(0) }).encode())
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512))
  }
  if (endBlocks) blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}
