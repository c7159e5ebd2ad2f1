import type { LambdaError } from '../../errors'
import type { ArchiveEntry } from './archive-entries'
import { entryRejected, uploadRejected } from './upload-errors'

/** How big the shape of an upload may be; the byte size is `UploadLimits.maxBytes` (`--max-upload-mb`). */
export interface ArchiveLimits {
  /** Longest path of an entry, or target of a link, in UTF-8 bytes. */
  maxPathBytes: number
  /** Longest single name in a path, in UTF-8 bytes. */
  maxSegmentBytes: number
  /** Most names in one path (`a/b/c` is 3). */
  maxDepth: number
  /** Most entries (files, folders and links) in one archive. */
  maxEntries: number
  /** Largest extended (pax) header, where long paths and link targets travel (tar's own default; tar would skip a larger one silently). */
  maxHeaderBytes: number
}

/**
 * Generous for any real build context (npm's deepest paths are a few hundred bytes), small enough that
 * checking an archive costs little whatever its shape. The path limit leaves room for the agent's upload
 * folder in front of it within Linux's 4096-byte PATH_MAX; 255 bytes is Linux's NAME_MAX.
 * Documented in docs/agent.md (Deploys).
 */
export const ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxPathBytes: 1024,
  maxSegmentBytes: 255,
  maxDepth: 128,
  maxEntries: 50_000,
  maxHeaderBytes: 1024 * 1024,
})

const FIX = 'Leave generated or vendored trees out of the function\'s folder (`lambda deploy` uploads only the bundle), or flatten them.'

/** The first limit `entry` breaks, or undefined. Linear in the entry's path: it runs on every header as it is read. */
export function entryOverLimits(entry: ArchiveEntry, limits: ArchiveLimits): LambdaError | undefined {
  const pathBytes = Buffer.byteLength(entry.path)
  if (pathBytes > limits.maxPathBytes) { return entryRejected(entry.path, 'path-too-long', `has a path of ${pathBytes} bytes; the limit is ${limits.maxPathBytes}`, FIX) }
  const linkBytes = entry.linkpath === undefined ? 0 : Buffer.byteLength(entry.linkpath)
  if (linkBytes > limits.maxPathBytes) { return entryRejected(entry.path, 'path-too-long', `is a link to a target of ${linkBytes} bytes; the limit is ${limits.maxPathBytes}`, 'Point the link at a shorter path inside the function\'s folder.') }
  if (entry.path.includes('\0') || entry.linkpath?.includes('\0')) { return entryRejected(entry.path, 'bad-path', 'contains a NUL character', 'Rename the file: no file system accepts NUL in a name.') }
  let depth = 0
  for (const segment of entry.path.split('/')) {
    if (segment === '' || segment === '.') continue
    depth++
    const segmentBytes = Buffer.byteLength(segment)
    if (segmentBytes > limits.maxSegmentBytes) { return entryRejected(entry.path, 'name-too-long', `has a name of ${segmentBytes} bytes; the limit is ${limits.maxSegmentBytes}`, 'Rename it: Linux allows at most 255 bytes per name.') }
  }
  if (depth > limits.maxDepth) { return entryRejected(entry.path, 'too-deep', `is ${depth} folders deep; the limit is ${limits.maxDepth}`, FIX) }
  return undefined
}

export function tooManyEntries(limits: ArchiveLimits): LambdaError {
  return uploadRejected('too-many-entries', `the archive has more than ${limits.maxEntries} entries`, FIX)
}

export function headerTooLarge(bytes: number, limits: ArchiveLimits): LambdaError {
  return uploadRejected('header-too-large', `the archive has an extended (pax) header of ${bytes} bytes; the limit is ${limits.maxHeaderBytes}`, 'Build the archive with `lambda deploy` or a plain `tar -czf - -C <folder> .`, without extended attributes.')
}
