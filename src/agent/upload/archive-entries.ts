import { createReadStream } from 'node:fs'
import { Parser, type ReadEntry } from 'tar'
import { entryRejected, notATar, uploadRejected, uploadTooLarge } from './upload-errors'

/** One entry as the archive declares it, before anything is written. */
export interface ArchiveEntry {
  path: string
  /** tar's type name: `File`, `Directory`, `SymbolicLink`, `Link`, `FIFO`, … */
  type: string
  linkpath?: string
  size: number
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile'])
const ALLOWED_TYPES = new Set([...FILE_TYPES, 'Directory', 'SymbolicLink', 'Link'])
const SPECIAL_NAMES: Record<string, string> = { CharacterDevice: 'a character device', BlockDevice: 'a block device', FIFO: 'a FIFO (named pipe)' }

/**
 * Reads every header of a plain tar without writing anything. Any damage tar notices (bad checksum,
 * truncation, no tar at all) rejects the whole upload: a half-understood archive is not worth unpacking.
 */
export function listArchive(tarFile: string, maxBytes: number): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = []
  const problems: string[] = []
  let declaredBytes = 0
  let sawEnd = false
  // zstd off: the body was decompressed already, and a second layer could hide a bomb.
  const parser = new Parser({
    zstd: false,
    onwarn: (code, message) => {
      // tar calls an archive of nothing but end blocks "unrecognized"; that is an empty upload, reported later.
      if (!(code === 'TAR_BAD_ARCHIVE' && sawEnd && entries.length === 0)) problems.push(message)
    },
  })
  const record = (entry: ReadEntry) => {
    entries.push({ path: entry.path, type: entry.type, linkpath: entry.linkpath, size: entry.size })
    declaredBytes += entry.size
    // A header may promise far more than the body holds; stop at the first one that breaks the limit.
    if (declaredBytes > maxBytes) parser.abort(new Error('declared sizes exceed the limit'))
    entry.resume()
  }
  parser.on('entry', record)
  // tar skips types it cannot unpack without telling `entry` listeners; the checks must still see them.
  parser.on('ignoredEntry', (entry: ReadEntry) => entry.meta || record(entry))
  parser.on('eof', () => { sawEnd = true })

  return new Promise((resolve, reject) => {
    parser.on('error', (error: Error) => reject(declaredBytes > maxBytes ? uploadTooLarge(maxBytes, ' (sizes declared in the archive)') : notATar(`it is damaged (${error.message})`, error)))
    parser.on('end', () => problems.length > 0 ? reject(notATar(`tar could not read it (${problems[0]})`)) : resolve(entries))
    const input = createReadStream(tarFile)
    input.on('error', reject)
    input.pipe(parser as unknown as NodeJS.WritableStream)
  })
}

/**
 * Proves that unpacking `entries` can only create files, folders and links inside the destination,
 * judging the archive as a whole (a link may appear after the entries that would pass through it).
 * Returns the regular files it will create, sorted.
 */
export function checkEntries(entries: ArchiveEntry[]): string[] {
  const byPath = new Map<string, ArchiveEntry>()
  const symlinks = new Map<string, string>()
  for (const entry of entries) {
    const path = checkedPath(entry)
    if (!ALLOWED_TYPES.has(entry.type)) {
      const what = SPECIAL_NAMES[entry.type] ?? `of tar type "${entry.type}"`
      throw entryRejected(entry.path, 'special-file', `is ${what}; only files, folders and links are allowed`, 'Remove devices, pipes and other special files from the function\'s folder.')
    }
    if (path === '') continue
    const earlier = byPath.get(path)
    if (earlier && !(earlier.type === 'Directory' && entry.type === 'Directory'))
      throw entryRejected(entry.path, 'duplicate', 'appears twice in the archive', 'Build the archive once from a clean folder, with each path in it once.')
    if (entry.type === 'Link') checkHardLink(entry, byPath)
    byPath.set(path, entry)
    if (entry.type === 'SymbolicLink') symlinks.set(path, entry.linkpath ?? '')
  }

  const resolveLink = createLinkResolver(symlinks)
  for (const [path, entry] of byPath) {
    const segments = path.split('/')
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join('/')
      if (symlinks.has(parent))
        throw entryRejected(entry.path, 'through-link', `lies inside the symbolic link "${parent}"`, 'Put the file in a real folder: the agent never writes through links.')
    }
    if (entry.type === 'SymbolicLink' && !resolveLink(path))
      throw entryRejected(entry.path, 'link-outside', `is a symbolic link to "${entry.linkpath}", which points outside the upload`, 'Remove the link or make it point inside the function\'s folder with a relative path.')
  }

  const files = [...byPath].filter(([, entry]) => FILE_TYPES.has(entry.type) || entry.type === 'Link').map(([path]) => path).sort()
  if (files.length === 0) throw uploadRejected('empty', 'the archive contains no files', 'Check that the function\'s folder is not empty and that the archive was built from inside it.')
  return files
}

/** The entry's path as it will land under the destination ('' for the destination itself). */
function checkedPath(entry: ArchiveEntry): string {
  if (isAbsolute(entry.path))
    throw entryRejected(entry.path, 'absolute-path', 'has an absolute path', 'Build the archive from inside the function\'s folder (`tar -C <folder> .`) so every path is relative.')
  if (hasParentSegment(entry.path))
    throw entryRejected(entry.path, 'parent-segment', 'contains a ".." segment, which could climb out of the upload folder', 'Remove ".." from the paths in the archive; `lambda deploy` never writes them.')
  const path = entry.path.split('/').filter(segment => segment !== '' && segment !== '.').join('/')
  if (path === '' && entry.type !== 'Directory')
    throw entryRejected(entry.path, 'bad-path', 'names the upload folder itself but is not a folder', 'Give every file in the archive a name.')
  return path
}

/** A hard link may only repeat a file the archive already created, so it can never reach an existing file on the VM. */
function checkHardLink(entry: ArchiveEntry, earlier: Map<string, ArchiveEntry>) {
  const target = entry.linkpath ?? ''
  const normalized = target.split('/').filter(segment => segment !== '' && segment !== '.').join('/')
  const targetEntry = earlier.get(normalized)
  if (isAbsolute(target) || hasParentSegment(target) || !targetEntry || targetEntry.type === 'Directory')
    throw entryRejected(entry.path, 'link-outside', `is a hard link to "${target}", which is not a file earlier in the upload`, 'Remove the hard link, or copy the file instead.')
}

/**
 * Resolves symlinks the way the kernel will after extraction, following links the archive itself
 * creates (`a -> .` makes `b -> a/..` escape). Answers whether each link stays inside the root;
 * loops count as escapes. Results are memoised so crafted chains cannot make this exponential.
 */
function createLinkResolver(symlinks: Map<string, string>) {
  const resolved = new Map<string, string[] | null>()
  const resolveLink = (linkPath: string): string[] | null => {
    const known = resolved.get(linkPath)
    if (known !== undefined) return known
    resolved.set(linkPath, null) // in progress: meeting it again means a loop
    const result = walk(linkPath.split('/').slice(0, -1), symlinks.get(linkPath)!)
    resolved.set(linkPath, result)
    return result
  }
  const walk = (from: string[], target: string): string[] | null => {
    if (isAbsolute(target)) return null
    let parts = [...from]
    for (const segment of target.split('/')) {
      if (segment === '' || segment === '.') continue
      if (segment === '..') {
        if (parts.length === 0) return null
        parts.pop()
        continue
      }
      parts.push(segment)
      const here = parts.join('/')
      if (symlinks.has(here)) {
        const through = resolveLink(here)
        if (!through) return null
        parts = [...through]
      }
    }
    return parts
  }
  return resolveLink
}

/** Also catches Windows-style roots: harmless on Linux, but nobody's build context has them. */
function isAbsolute(path: string): boolean {
  return /^([\\/]|[a-z]:)/i.test(path)
}

/** Backslashes count as separators here too: `a\..\x` has no business in a build context either. */
function hasParentSegment(path: string): boolean {
  return path.split(/[\\/]/).includes('..')
}
