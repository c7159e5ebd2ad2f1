import { createHash } from 'node:crypto'
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { posix } from 'node:path'

// A Dockerfile's RUN steps run `/bin/sh -c …` inside the image being built: the host-assembled base
// carries a POSIX shell and the basic tools those steps use, taken from this host as its Node is.

/** The shell first: the classic builder runs every RUN step through it. */
export const BUILD_TOOLS = [
  'sh',
  'mkdir',
  'cp',
  'mv',
  'rm',
  'ln',
  'chmod',
  'chown',
  'touch',
  'cat',
  'ls',
  'find',
  'stat',
  'readlink',
  'realpath',
  'env',
  'echo',
  'printf',
  'test',
  '[',
  'true',
  'false',
  'pwd',
  'id',
  'uname',
  'date',
  'sleep',
  'expr',
  'basename',
  'dirname',
  'head',
  'tail',
  'tr',
  'cut',
  'sort',
  'uniq',
  'wc',
  'xargs',
  'sed',
  'grep',
  'tar',
  'gzip',
] as const

/** System folders only, never the agent's PATH: what goes into the base must not depend on who started it. */
const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin']

/** In the base, where the classic builder looks for the shell, and a folder on the default PATH for the rest. */
export const SHELL_PATH = '/bin/sh'
export const TOOLS_DIR = '/usr/bin'
export const BASE_PATH_ENV = `PATH=/usr/local/bin:${TOOLS_DIR}:/bin`

export interface HostTool {
  name: string
  /** Where it goes in the image. */
  target: string
  /** The host file behind it, symlinks resolved. */
  file: string
}

/** The build tools this host has (a missing one is left out, not an error) and the names it lacks. */
export function findHostTools(): { tools: HostTool[], missing: string[] } {
  const tools: HostTool[] = []
  const missing: string[] = []
  for (const name of BUILD_TOOLS) {
    const found = TOOL_DIRS.map(dir => posix.join(dir, name)).find(path => existsSync(path) && statSync(path).isFile())
    if (!found) {
      missing.push(name)
      continue
    }
    tools.push({ name, target: name === 'sh' ? SHELL_PATH : posix.join(TOOLS_DIR, name), file: realpathSync(found) })
  }
  return { tools, missing }
}

/** Changes when a tool does (an upgraded coreutils makes a new base), so the base's tag stays a content fingerprint. */
export function toolsFingerprint(tools: HostTool[]): string {
  const hash = createHash('sha256')
  for (const tool of tools) hash.update(tool.name).update('\0').update(tool.target).update('\0').update(readFileSync(tool.file)).update('\0')
  return hash.digest('hex')
}
