import type { ReadEntry } from 'tar'
import type { LambdaError } from '../../errors'
import type { ArchiveLimits } from './archive-limits'
import { createReadStream } from 'node:fs'
import { Parser } from 'tar'
import { ARCHIVE_LIMITS, entryOverLimits, headerTooLarge, tooManyEntries } from './archive-limits'
import { notATar, uploadTooLarge } from './upload-errors'

/** One entry as the archive declares it, before anything is written. */
export interface ArchiveEntry {
  path: string
  /** tar's type name: `File`, `Directory`, `SymbolicLink`, `Link`, `FIFO`, … */
  type: string
  linkpath?: string
  size: number
}

/**
 * Reads every header of a plain tar without writing anything. Any damage tar notices (bad checksum,
 * truncation, no tar at all) rejects the whole upload: a half-understood archive is not worth unpacking.
 * The first entry that breaks a limit stops the reading there, so a huge archive is never read whole.
 */
export function listArchive(tarFile: string, maxBytes: number, limits: ArchiveLimits = ARCHIVE_LIMITS): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = []
  const problems: string[] = []
  let declaredBytes = 0
  let sawEnd = false
  let rejection: LambdaError | undefined
  const input = createReadStream(tarFile)
  // zstd off: the body was decompressed already, and a second layer could hide a bomb.
  const parser = new Parser({
    zstd: false,
    maxMetaEntrySize: limits.maxHeaderBytes,
    onwarn: (code, message) => {
      // tar calls an archive of nothing but end blocks "unrecognized"; that is an empty upload, reported later.
      if (!(code === 'TAR_BAD_ARCHIVE' && sawEnd && entries.length === 0)) problems.push(message)
    },
  })
  const stop = (error: LambdaError) => {
    rejection ??= error
    // A plain error: tar decorates what it is given with its own fields.
    parser.abort(new Error(error.message))
    input.destroy()
  }
  const record = (entry: ReadEntry) => {
    const declared: ArchiveEntry = { path: entry.path, type: entry.type, linkpath: entry.linkpath, size: entry.size }
    const broken = entries.length >= limits.maxEntries ? tooManyEntries(limits) : entryOverLimits(declared, limits)
    if (broken) return stop(broken)
    entries.push(declared)
    declaredBytes += entry.size
    // A header may promise far more than the body holds; stop at the first one that breaks the limit.
    if (declaredBytes > maxBytes) return stop(uploadTooLarge(maxBytes, ' (sizes declared in the archive)'))
    entry.resume()
  }
  parser.on('entry', record)
  // tar skips types it cannot unpack without telling `entry` listeners; the checks must still see them.
  // It also skips an extended header over maxMetaEntrySize, which would silently shorten the next path.
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    if (!entry.meta) record(entry)
    else if (entry.size > limits.maxHeaderBytes) stop(headerTooLarge(entry.size, limits))
  })
  parser.on('eof', () => { sawEnd = true })

  return new Promise((resolve, reject) => {
    parser.on('error', (error: Error) => reject(rejection ?? notATar(`it is damaged (${error.message})`, error)))
    parser.on('end', () => problems.length > 0 ? reject(notATar(`tar could not read it (${problems[0]})`)) : resolve(entries))
    input.on('error', reject)
    input.pipe(parser as unknown as NodeJS.WritableStream)
  })
}
