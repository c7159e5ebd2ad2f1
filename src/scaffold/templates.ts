import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { LambdaError } from '../errors'
import { packageRoot } from '../package-root'

export const templatesDir = () => join(packageRoot(), 'templates')

/**
 * npm drops dotfiles like `.gitignore` from packages (and `.github` is easy to mistake for the
 * toolkit's own CI), so templates store them without the dot.
 */
const RENAMED: Record<string, string> = { gitignore: '.gitignore', github: '.github' }

const renamedPath = (rel: string) => rel.split(sep).map(part => RENAMED[part] ?? part).join(sep)

export interface PlannedFile {
  target: string
  content: string
  mode: number
}

/** Reads a template folder into the files it would write, with `{{var}}` substituted. */
export function planTemplate(templateDir: string, targetDir: string, vars: Record<string, string>): PlannedFile[] {
  const files: PlannedFile[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const source = join(dir, entry.name)
      if (entry.isDirectory()) {
        walk(source)
        continue
      }
      const content = readFileSync(source, 'utf8').replace(/\{\{(\w+)\}\}/g, (match, key: string) => vars[key] ?? match)
      files.push({ target: join(targetDir, renamedPath(relative(templateDir, source))), content, mode: statSync(source).mode & 0o777 })
    }
  }
  walk(templateDir)
  return files
}

/** Writes planned files; refuses (writing nothing) if any exists, unless forced. */
export async function writePlannedFiles(files: PlannedFile[], force: boolean, cwd = process.cwd()): Promise<string[]> {
  const existing = files.filter(f => existsSync(f.target))
  if (existing.length > 0 && !force) {
    throw new LambdaError({
      code: 'FILE_EXISTS',
      status: 409,
      message: `Not overwriting existing file(s): ${existing.map(f => relative(cwd, f.target) || f.target).join(', ')}.`,
      hint: 'Choose another name or folder, or pass --force to overwrite them.',
    })
  }
  for (const file of files) {
    await mkdir(dirname(file.target), { recursive: true })
    await writeFile(file.target, file.content)
    await chmod(file.target, file.mode)
  }
  return files.map(f => f.target)
}
