import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Runs `cleanup` after the current test, the last registered first. */
export function afterThisTest(cleanup: () => unknown): void {
  cleanups.push(cleanup)
}

/** A fresh folder, removed after the current test. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterThisTest(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
