import type { ArchiveEntry } from './archive-entries'
import type { PathNode, WorkMeter } from './path-tree'
import { LinkChainTooLong, MAX_LINK_HOPS, PathTree } from './path-tree'
import { entryRejected, shortened, uploadRejected } from './upload-errors'

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile'])
const ALLOWED_TYPES = new Set([...FILE_TYPES, 'Directory', 'SymbolicLink', 'Link'])
const SPECIAL_NAMES: Record<string, string> = { CharacterDevice: 'a character device', BlockDevice: 'a block device', FIFO: 'a FIFO (named pipe)' }

const isFileLike = (entry: ArchiveEntry | undefined) => entry !== undefined && entry.type !== 'Directory'

/**
 * Proves that unpacking `entries` can only create files, folders and links inside the destination,
 * judging the archive as a whole (a link may appear after the entries that would pass through it).
 * Returns the regular files it will create, sorted. Applies no size limits (`listArchive` does, while
 * reading); its work is linear in the total length of the paths and link targets, which `meter` counts.
 */
export function checkEntries(entries: ArchiveEntry[], meter?: WorkMeter): string[] {
  const tree = new PathTree(meter)
  const symlinks: PathNode[] = []
  const files: string[] = []
  for (const entry of entries) {
    const segments = checkedSegments(entry)
    if (!ALLOWED_TYPES.has(entry.type)) {
      const what = SPECIAL_NAMES[entry.type] ?? `of tar type "${entry.type}"`
      throw entryRejected(entry.path, 'special-file', `is ${what}; only files, folders and links are allowed`, 'Remove devices, pipes and other special files from the function\'s folder.')
    }
    if (segments.length === 0) continue
    const node = tree.insert(segments, parent => refuseToPassThrough(tree, entry, parent))
    if (node.entry && !(node.entry.type === 'Directory' && entry.type === 'Directory')) { throw entryRejected(entry.path, 'duplicate', 'appears twice in the archive', 'Build the archive once from a clean folder, with each path in it once.') }
    // Entries already inside this one: only a folder may have them.
    const inside = entry.type === 'Directory' ? undefined : tree.firstEntryBelow(node)
    if (inside) refuseToPassThrough(tree, inside.entry!, node, entry)
    if (entry.type === 'Link') checkHardLink(entry, tree)
    node.entry = entry
    if (entry.type === 'SymbolicLink') symlinks.push(node)
    else if (entry.type !== 'Directory') files.push(segments.join('/'))
  }

  const staysInside = tree.createLinkResolver()
  for (const link of symlinks) {
    let inside: boolean
    try {
      inside = staysInside(link)
    }
    catch (error) {
      if (!(error instanceof LinkChainTooLong)) throw error
      throw entryRejected(link.entry!.path, 'link-chain', `is a symbolic link that resolves through more than ${MAX_LINK_HOPS} other links`, 'Point the link straight at its target: Linux gives up after 40 links, too.')
    }
    if (!inside) { throw entryRejected(link.entry!.path, 'link-outside', `is a symbolic link to "${shortened(link.entry!.linkpath ?? '')}", which points outside the upload`, 'Remove the link or make it point inside the function\'s folder with a relative path.') }
  }

  if (files.length === 0) throw uploadRejected('empty', 'the archive contains no files', 'Check that the function\'s folder is not empty and that the archive was built from inside it.')
  return files.sort()
}

/** `entry` would be unpacked inside `parent`'s entry (`parentEntry` when that is not in the tree yet): only folders may hold entries. */
function refuseToPassThrough(tree: PathTree, entry: ArchiveEntry, parent: PathNode, parentEntry = parent.entry) {
  if (!isFileLike(parentEntry)) return
  const where = shortened(tree.pathOf(parent))
  if (parentEntry!.type === 'SymbolicLink') { throw entryRejected(entry.path, 'through-link', `lies inside the symbolic link "${where}"`, 'Put the file in a real folder: the agent never writes through links.') }
  throw entryRejected(entry.path, 'inside-file', `lies inside "${where}", which the archive also makes a file`, 'Build the archive from a clean folder: a path cannot be a file and a folder at once.')
}

/** The entry's path as names below the destination (none for the destination itself). */
function checkedSegments(entry: ArchiveEntry): string[] {
  if (isAbsolute(entry.path)) { throw entryRejected(entry.path, 'absolute-path', 'has an absolute path', 'Build the archive from inside the function\'s folder (`tar -C <folder> .`) so every path is relative.') }
  if (hasParentSegment(entry.path)) { throw entryRejected(entry.path, 'parent-segment', 'contains a ".." segment, which could climb out of the upload folder', 'Remove ".." from the paths in the archive; `lambda deploy` never writes them.') }
  const segments = normalizedSegments(entry.path)
  if (segments.length === 0 && entry.type !== 'Directory') { throw entryRejected(entry.path, 'bad-path', 'names the upload folder itself but is not a folder', 'Give every file in the archive a name.') }
  return segments
}

/** A hard link may only repeat a file the archive already created, so it can never reach an existing file on the VM. */
function checkHardLink(entry: ArchiveEntry, tree: PathTree) {
  const target = entry.linkpath ?? ''
  const targetNode = isAbsolute(target) || hasParentSegment(target) ? undefined : tree.find(normalizedSegments(target))
  if (!targetNode?.entry || targetNode.entry.type === 'Directory') { throw entryRejected(entry.path, 'link-outside', `is a hard link to "${shortened(target)}", which is not a file earlier in the upload`, 'Remove the hard link, or copy the file instead.') }
}

function normalizedSegments(path: string): string[] {
  return path.split('/').filter(segment => segment !== '' && segment !== '.')
}

/** Also catches Windows-style roots: harmless on Linux, but nobody's build context has them. */
function isAbsolute(path: string): boolean {
  return /^(?:[\\/]|[a-z]:)/i.test(path)
}

/** Backslashes count as separators here too: `a\..\x` has no business in a build context either. */
function hasParentSegment(path: string): boolean {
  return path.split(/[\\/]/).includes('..')
}
