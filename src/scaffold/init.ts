import { existsSync, readdirSync } from 'node:fs'
import { basename, join, resolve, sep } from 'node:path'
import { planTemplate, templatesDir, writePlannedFiles } from './templates'
import { packToolkit } from './vendor-toolkit'

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
  /** The toolkit's tarball put in vendor/ for the package.json written now (`mini-lambda-<version>.tgz`). */
  toolkit?: string
}

const isProjectConfig = (name: string) => /^lambda\.config\.[cm]?[jt]s$|^lambda\.config\.json$/.test(name)

export async function initProject(opts: InitOptions): Promise<InitResult> {
  const dir = resolve(opts.dir)
  const entries = existsSync(dir) ? readdirSync(dir) : []
  const existingProject = entries.some(isProjectConfig)
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-_.]+/g, '-') || 'my-functions'
  // Only a package.json written now needs the copy of the toolkit it names.
  const toolkit = opts.force || !existsSync(join(dir, 'package.json')) ? await packToolkit() : undefined
  let files = planTemplate(join(templatesDir(), 'project'), dir, { name, miniLambdaSpec: toolkit?.spec ?? '' })
  let kept: string[] = []
  // An existing project gets what it lacks (say the deploy workflow of a newer toolkit), never the sample
  // function, and keeps every file it has; anything else that is in the way is refused (FILE_EXISTS).
  if (existingProject && !opts.force) {
    const functionsDir = join(dir, 'functions') + sep
    files = files.filter(file => !file.target.startsWith(functionsDir))
    kept = files.filter(file => existsSync(file.target)).map(file => file.target)
    files = files.filter(file => !existsSync(file.target))
  }
  let written: string[]
  try {
    written = await writePlannedFiles(files, opts.force ?? false)
  }
  catch (error) {
    await toolkit?.discard()
    throw error
  }
  if (toolkit) written.push(await toolkit.placeInto(dir))
  return { dir, files: written, kept, wasEmpty: entries.length === 0, existingProject, toolkit: toolkit?.fileName }
}
