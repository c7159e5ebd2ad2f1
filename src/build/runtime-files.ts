import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

let runtimeDir: string | undefined
let fingerprint: string | undefined

/** The `runtime/` folder of this package, found from the built CLI or from the sources. */
export function resolveRuntimeDir(): string {
  if (runtimeDir) return runtimeDir
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'runtime', 'bootstrap.mjs'))) return (runtimeDir = join(dir, 'runtime'))
    const parent = dirname(dir)
    if (parent === dir) throw new Error('Mini Lambda is installed without its runtime/ folder; reinstall the package.')
    dir = parent
  }
}

export const runtimeBootstrapPath = () => resolve(resolveRuntimeDir(), 'bootstrap.mjs')

/** Files of the runtime, as shipped into images. */
export function runtimeFiles(): Array<{ name: string; content: Buffer }> {
  const dir = resolveRuntimeDir()
  return readdirSync(dir).filter(f => f.endsWith('.mjs')).sort().map(name => ({ name, content: readFileSync(join(dir, name)) }))
}

/** Changes when the runtime changes, so functions are rebuilt onto the new one. */
export function runtimeFingerprint(): string {
  if (fingerprint) return fingerprint
  const hash = createHash('sha256')
  for (const file of runtimeFiles()) hash.update(file.name).update('\0').update(file.content).update('\0')
  return (fingerprint = hash.digest('hex'))
}
