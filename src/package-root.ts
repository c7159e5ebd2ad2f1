import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/** This package's own folder (holding package.json, runtime/ and templates/), from src/ or dist/. */
export function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'runtime'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('Cannot find the mini-lambda package folder (package.json with runtime/).')
    dir = parent
  }
  return (root = dir)
}
