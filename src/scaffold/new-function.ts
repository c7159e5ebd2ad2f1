import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { assertFunctionName } from '../config/function-name'
import { LambdaError } from '../errors'
import { planTemplate, templatesDir, writePlannedFiles } from './templates'

export interface NewFunctionOptions {
  name: string
  template: string
  /** Folder functions live in (functionsDir). */
  functionsDir: string
  force?: boolean
}

export function functionTemplates(): string[] {
  return readdirSync(join(templatesDir(), 'functions')).sort()
}

export async function createFunction(opts: NewFunctionOptions): Promise<string[]> {
  assertFunctionName(opts.name)
  const templates = functionTemplates()
  if (!templates.includes(opts.template)) {
    throw new LambdaError({ code: 'UNKNOWN_TEMPLATE', status: 400, message: `There is no function template "${opts.template}".`, hint: `Use --template with one of: ${templates.join(', ')}.` })
  }
  const target = resolve(opts.functionsDir, opts.name)
  const files = planTemplate(join(templatesDir(), 'functions', opts.template), target, { name: opts.name })
  if (existsSync(target) && !opts.force && readdirSync(target).some(f => f.startsWith('index.') || f === 'Dockerfile')) {
    throw new LambdaError({ code: 'FILE_EXISTS', status: 409, message: `Function "${opts.name}" already exists in ${target}.`, hint: 'Pick another name, or pass --force to overwrite its files.' })
  }
  return writePlannedFiles(files, opts.force ?? false)
}
