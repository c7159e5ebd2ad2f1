import type { ResolvedFunction } from '../config/types'
import type { FunctionArtifact } from './artifact'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { writeFileAtomic } from '../fs/atomic-write'
import { MANIFEST_FILE } from './artifact'
import { contentHash, runtimeConfigOf } from './hash'

/** Files of a Dockerfile function's directory, sorted, as they go into its build context. */
export function listContextFiles(dir: string): string[] {
  const files: string[] = []
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) walk(path)
      else files.push(relative(dir, path))
    }
  }
  walk(dir)
  return files
}

/** A Dockerfile function is not bundled: its directory is the build context, hashed file by file. */
export async function buildDockerfileArtifact(fn: ResolvedFunction, outDir: string): Promise<FunctionArtifact> {
  const files = listContextFiles(fn.dir)
  const digest = createHash('sha256')
  let size = 0
  for (const file of files) {
    const content = readFileSync(join(fn.dir, file))
    size += content.byteLength
    digest.update(file).update('\0').update(String(statSync(join(fn.dir, file)).mode & 0o111)).update('\0').update(content).update('\0')
  }
  const artifact: FunctionArtifact = {
    name: fn.name,
    kind: 'dockerfile',
    dir: fn.dir,
    hash: contentHash(digest.digest('hex'), fn),
    config: runtimeConfigOf(fn),
    inputs: files.map(f => join(fn.dir, f)),
    size,
    builtAt: new Date().toISOString(),
  }
  await writeFileAtomic(join(outDir, MANIFEST_FILE), `${JSON.stringify(artifact, null, 2)}\n`)
  return artifact
}
