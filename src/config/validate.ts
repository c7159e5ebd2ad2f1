import type { ConfigIssue, Shape } from './schema/checks'
import { LambdaError } from '../errors'
import { validateFunctionName } from './function-name'
import { boolean, check, checkShape, isPlainObject, number, string, stringArray } from './schema/checks'
import { checkFunctionOptions } from './schema/function-options'

const functionsRecord = check((value, path, issues) => {
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be an object of function names to options', fix: `set ${path} to something like { hello: { timeout: 10 } }` })
    return
  }
  for (const [name, fn] of Object.entries(value)) {
    validateFunctionName(name, `${path}.${name}`, issues)
    if (fn === true || fn === undefined) continue
    if (!isPlainObject(fn)) {
      issues.push({ path: `${path}.${name}`, value: fn, problem: 'must be an object of function options', fix: `set ${path}.${name} to {} or { timeout: 10 }` })
      continue
    }
    checkFunctionOptions(fn, `${path}.${name}`, issues, { withSource: true })
  }
})

const topShape: Shape = {
  functionsDir: check((value, path, issues) => {
    if (value !== false) string('functions')(value, path, issues)
  }),
  functions: functionsRecord,
  defaults: check((value, path, issues) => checkFunctionOptions(value, path, issues)),
  dev: check((value, path, issues) => checkShape(value, path, { port: number({ min: 0, max: 65535, integer: true, unit: 'port', example: 3000 }), host: string('localhost') }, issues)),
  build: check((value, path, issues) => checkShape(value, path, { outDir: string('.lambda/build'), minify: boolean, external: stringArray }, issues)),
  deploy: check((value, path, issues) => checkShape(value, path, { keepVersions: number({ min: 1, max: 1000, integer: true, unit: 'versions', example: 5 }) }, issues)),
  // c12 layering keys
  extends: check(() => {}),
}

/** Every problem of a `lambda.config.ts` (without its `$` environment keys), each with its fix. */
export function validateConfig(config: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  checkShape(config, '', topShape, issues)
  return issues
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  try {
    const json = JSON.stringify(value)
    if (json === undefined) return String(value)
    return json.length > 60 ? `${json.slice(0, 57)}...` : json
  }
  catch {
    return String(value)
  }
}

/** Turns config issues into one error naming the file, each key, its value and the fix. */
export function configError(file: string, issues: ConfigIssue[]): LambdaError {
  const lines = issues.map(i => `  - ${i.path} = ${formatValue(i.value)}: ${i.path.split('.').pop()} ${i.problem}. Fix: ${i.fix}.`)
  return new LambdaError({
    code: 'CONFIG_INVALID',
    status: 400,
    message: `Invalid config in ${file}:\n${lines.join('\n')}`,
    hint: `Edit ${file} as listed above, then run the command again.`,
    data: { file, issues: issues.map(({ path, value, problem, fix }) => ({ path, value, problem, fix })) },
  })
}
