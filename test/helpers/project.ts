import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { repoRoot } from './paths'

export interface TempProject {
  dir: string
  write: (path: string, content: string) => void
  remove: () => void
}

/** A throwaway project folder outside the repo, filled with the given files. */
export function createProject(files: Record<string, string> = {}, opts: { samples?: boolean } = {}): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-test-'))
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  if (opts.samples) {
    cpSync(join(repoRoot, 'functions'), join(dir, 'functions'), { recursive: true })
    cpSync(join(repoRoot, 'lambda.config.ts'), join(dir, 'lambda.config.ts'))
  }
  for (const [path, content] of Object.entries(files)) write(path, content)
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
