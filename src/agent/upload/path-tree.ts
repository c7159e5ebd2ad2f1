import type { ArchiveEntry } from './archive-entries'

/** One name in the tree an archive would unpack into; `entry` is unset for folders only implied by deeper paths. */
export interface PathNode {
  name: string
  parent: PathNode | undefined
  children: Map<string, PathNode> | undefined
  entry: ArchiveEntry | undefined
}

/** Counts segment steps, so a test can prove the checks linear in the archive without timing them. */
export interface WorkMeter {
  steps: number
}

/** Where a path leads: a node of the tree, then `beyond` more names the archive does not create. */
interface Place {
  node: PathNode
  beyond: number
}

/** What Linux follows in one lookup before it gives up with ELOOP. */
export const MAX_LINK_HOPS = 40

/**
 * The archive's paths as a tree of names. Each entry is inserted once, walking its own segments, so
 * building and checking the tree costs time linear in the total length of the paths (joining prefixes
 * for every segment instead made a 40,000-segment path take seconds).
 */
export class PathTree {
  readonly root: PathNode = { name: '', parent: undefined, children: undefined, entry: undefined }

  constructor(private readonly meter: WorkMeter = { steps: 0 }) {}

  /**
   * Walks to `segments`, creating nodes on the way, and calls `onParent` for each existing node it
   * passes through (so the caller can refuse to go through a link or a file). Returns the last node.
   */
  insert(segments: string[], onParent: (node: PathNode) => void): PathNode {
    let node = this.root
    for (let i = 0; i < segments.length; i++) {
      this.meter.steps++
      if (i > 0) onParent(node)
      const name = segments[i]!
      node.children ??= new Map()
      let child = node.children.get(name)
      if (!child) {
        child = { name, parent: node, children: undefined, entry: undefined }
        node.children.set(name, child)
      }
      node = child
    }
    return node
  }

  /** The node at `segments`, if the archive creates it. */
  find(segments: string[]): PathNode | undefined {
    let node: PathNode | undefined = this.root
    for (const name of segments) {
      this.meter.steps++
      node = node.children?.get(name)
      if (!node) return undefined
    }
    return node
  }

  /** An entry below `node`; one always exists, since every leaf of the tree is some entry's last name. */
  firstEntryBelow(node: PathNode): PathNode | undefined {
    let here: PathNode | undefined = node.children?.values().next().value
    while (here && !here.entry) {
      this.meter.steps++
      here = here.children?.values().next().value
    }
    return here
  }

  /** `node`'s path from the root, `a/b/c`. */
  pathOf(node: PathNode): string {
    const names: string[] = []
    for (let here: PathNode | undefined = node; here && here !== this.root; here = here.parent) names.push(here.name)
    return names.reverse().join('/')
  }

  /**
   * Resolves symbolic links the way the kernel will after extraction, following links the archive
   * itself creates (`a -> .` makes `b -> a/..` escape). Answers whether a link stays inside the root;
   * loops count as escapes. Each link is walked once (memoised), so crafted chains stay linear;
   * a chain longer than the kernel follows throws `LinkChainTooLong`.
   */
  createLinkResolver(): (link: PathNode) => boolean {
    const resolved = new Map<PathNode, Place | null>()
    const resolve = (link: PathNode, hops: number): Place | null => {
      const known = resolved.get(link)
      if (known !== undefined) return known
      if (hops > MAX_LINK_HOPS) throw new LinkChainTooLong()
      resolved.set(link, null) // in progress: meeting it again means a loop
      const result = this.walk({ node: link.parent!, beyond: 0 }, link.entry!.linkpath ?? '', next => resolve(next, hops + 1))
      resolved.set(link, result)
      return result
    }
    return link => resolve(link, 1) !== null
  }

  private walk(from: Place, target: string, throughLink: (link: PathNode) => Place | null): Place | null {
    if (/^(?:[\\/]|[a-z]:)/i.test(target)) return null
    let { node, beyond } = from
    for (const segment of target.split('/')) {
      this.meter.steps++
      if (segment === '' || segment === '.') continue
      if (segment === '..') {
        if (beyond > 0) beyond--
        else if (node === this.root) return null
        else node = node.parent!
        continue
      }
      if (beyond > 0) {
        beyond++
        continue
      }
      const child = node.children?.get(segment)
      if (!child) {
        beyond = 1
      }
      else if (child.entry?.type === 'SymbolicLink') {
        const through = throughLink(child)
        if (!through) {
          return null
        }({ node, beyond } = through)
      }
      else {
        node = child
      }
    }
    return { node, beyond }
  }
}

export class LinkChainTooLong extends Error {
  constructor() {
    super(`a chain of more than ${MAX_LINK_HOPS} symbolic links`)
  }
}
