import { existsSync, readdirSync } from 'node:fs'
import { basename, join, resolve, sep } from 'node:path'
import { version } from '../../package.json'
import { planTemplate, templatesDir, writePlannedFiles } from './templates'

export interface InitOptions {
  dir: string
  force?: boolean
}

export interface InitResult {
  dir: string
  files: string[]
  /** Files of the template that an existing project already had: left as they are. */
  kept: string[]
  /** The folder had files before. */
  wasEmpty: boolean
  /** The folder held a project already (a `lambda.config.*`): init only added what it lacked. */
  existingProject: boolean
}

/**
 * The dependency spec a new project uses for this toolkit: a version range, so the project's package.json
 * means the same on every machine (never a `file:` path of the machine that ran init). Until the package
 * is on a registry, `npm install -D <tarball from npm pack>` satisfies it (docs/quick-start.md, "The `lambda` command").
 */
export function miniLambdaSpec(): string {
  return `^${version}`
}

const isProjectConfig = (name: string) => /^lambda\.config\.[cm]?[jt]s$|^lambda\.config\.json$/.test(name)

export async function initProject(opts: InitOptions): Promise<InitResult> {
  const dir = resolve(opts.dir)
  const entries = existsSync(dir) ? readdirSync(dir) : []
  const existingProject = entries.some(isProjectConfig)
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-_.]+/g, '-') || 'my-functions'
  let files = planTemplate(join(templatesDir(), 'project'), dir, { name, miniLambdaSpec: miniLambdaSpec() })
  let kept: string[] = []
  // An existing project gets what it lacks (say the deploy workflow of a newer toolkit), never the sample
  // function, and keeps every file it has; anything else that is in the way is refused (FILE_EXISTS).
  if (existingProject && !opts.force) {
    const functionsDir = join(dir, 'functions') + sep
    files = files.filter(file => !file.target.startsWith(functionsDir))
    kept = files.filter(file => existsSync(file.target)).map(file => file.target)
    files = files.filter(file => !existsSync(file.target))
  }
  return { dir, files: await writePlannedFiles(files, opts.force ?? false), kept, wasEmpty: entries.length === 0, existingProject }
}
