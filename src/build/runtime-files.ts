import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { packageRoot } from '../package-root'

let fingerprint: string | undefined

/** The `runtime/` folder of this package. */
export const resolveRuntimeDir = () => join(packageRoot(), 'runtime')

export const runtimeBootstrapPath = () => resolve(resolveRuntimeDir(), 'bootstrap.mjs')

/** Files of the runtime, as shipped into images. */
export function runtimeFiles(): Array<{ name: string, content: Buffer }> {
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
