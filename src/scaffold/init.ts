import { existsSync, readdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { version } from '../../package.json'
import { planTemplate, templatesDir, writePlannedFiles } from './templates'

export interface InitOptions {
  dir: string
  force?: boolean
}

export interface InitResult {
  dir: string
  files: string[]
  /** The folder had files before. */
  wasEmpty: boolean
}

/**
 * The dependency spec a new project uses for this toolkit: a version range, so the project's package.json
 * means the same on every machine (never a `file:` path of the machine that ran init). Until the package
 * is on a registry, `npm install -D <tarball from npm pack>` satisfies it (README, "Your own project").
 */
export function miniLambdaSpec(): string {
  return `^${version}`
}

export async function initProject(opts: InitOptions): Promise<InitResult> {
  const dir = resolve(opts.dir)
  const wasEmpty = !existsSync(dir) || readdirSync(dir).length === 0
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-_.]+/g, '-') || 'my-functions'
  const files = planTemplate(join(templatesDir(), 'project'), dir, { name, miniLambdaSpec: miniLambdaSpec() })
  return { dir, files: await writePlannedFiles(files, opts.force ?? false), wasEmpty }
}
