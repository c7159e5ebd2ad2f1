import { Cron } from 'croner'
import { closestMatch } from '../closest-match'
import { LambdaError } from '../errors'
import { FUNCTION_NAME_RE, RESERVED_FUNCTION_NAMES, VERSION_LABEL_RE } from './defaults'
import { isSecretRef, secretNameProblem } from './secret'

/** One problem found in a config: where, what was there, what is wrong, how to fix it. */
export interface ConfigIssue {
  path: string
  value: unknown
  problem: string
  fix: string
}

type Validator = (value: unknown, path: string, issues: ConfigIssue[]) => void
type Shape = Record<string, Validator>

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function number(opts: { min: number, max: number, integer?: boolean, unit: string, example: number }): Validator {
  return (value, path, issues) => {
    const ok = typeof value === 'number' && Number.isFinite(value) && value >= opts.min && value <= opts.max && (!opts.integer || Number.isInteger(value))
    if (!ok) {
      issues.push({
        path,
        value,
        problem: `must be ${opts.integer ? 'a whole number' : 'a number'} of ${opts.unit} from ${opts.min} to ${opts.max}`,
        fix: `set ${path} to a value such as ${opts.example}`,
      })
    }
  }
}

const string = (example: string): Validator => (value, path, issues) => {
  if (typeof value !== 'string' || value.length === 0) issues.push({ path, value, problem: 'must be a non-empty string', fix: `set ${path} to a string such as '${example}'` })
}

const boolean: Validator = (value, path, issues) => {
  if (typeof value !== 'boolean') issues.push({ path, value, problem: 'must be true or false', fix: `set ${path} to true or false` })
}

const oneOf = (choices: string[]): Validator => (value, path, issues) => {
  if (!choices.includes(value as string)) issues.push({ path, value, problem: `must be one of ${choices.map(c => `'${c}'`).join(', ')}`, fix: `set ${path} to ${choices.map(c => `'${c}'`).join(' or ')}` })
}

const stringArray: Validator = (value, path, issues) => {
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) issues.push({ path, value, problem: 'must be an array of strings', fix: `set ${path} to a list such as ['sharp']` })
}

const ENV_NAME_RE = /^[A-Z_]\w*$/i
const envRecord: Validator = (value, path, issues) => {
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be an object of variable names to string values', fix: `set ${path} to something like { API_URL: 'https://example.com' }` })
    return
  }
  for (const [key, v] of Object.entries(value)) {
    if (!ENV_NAME_RE.test(key)) {
      issues.push({ path: `${path}.${key}`, value: key, problem: 'is not a valid environment variable name', fix: 'use letters, digits and underscores, not starting with a digit' })
    }
    else if (isSecretRef(v)) {
      const problem = secretNameProblem(v.secret)
      if (problem) issues.push({ path: `${path}.${key}`, value: v, problem: `refers to an invalid secret: ${problem}`, fix: 'name it like secret(\'stripe-token\')' })
    }
    else if (typeof v !== 'string') {
      issues.push({ path: `${path}.${key}`, value: v, problem: 'must be a string or secret(\'name\')', fix: `write it as a string, e.g. '${String(v)}', or keep the value on the agent with secret('name')` })
    }
  }
}

function validateCron(expression: unknown, timezone: unknown, path: string, issues: ConfigIssue[]) {
  if (typeof expression !== 'string' || expression.trim() === '') {
    issues.push({ path, value: expression, problem: 'must be a cron expression', fix: `set ${path} to a cron expression such as '*/5 * * * *'` })
    return
  }
  try {
    new Cron(expression, { paused: true, timezone: typeof timezone === 'string' ? timezone : undefined }).stop()
  }
  catch (error) {
    issues.push({ path, value: expression, problem: `is not a valid cron expression (${(error as Error).message})`, fix: 'use 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. \'0 */2 * * *\'' })
  }
}

const scheduleEntry: Validator = (value, path, issues) => {
  if (typeof value === 'string') return validateCron(value, undefined, path, issues)
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be a cron string or { cron, timezone?, payload?, enabled? }', fix: `set ${path} to '0 * * * *' or { cron: '0 * * * *' }` })
    return
  }
  checkShape(value, path, { cron: () => {}, timezone: string('Europe/Berlin'), payload: () => {}, enabled: boolean }, issues)
  if (typeof value.timezone === 'string') {
    try {
      Intl.DateTimeFormat('en', { timeZone: value.timezone }).resolvedOptions()
    }
    catch {
      issues.push({ path: `${path}.timezone`, value: value.timezone, problem: 'is not a known IANA time zone', fix: 'use a name such as \'UTC\' or \'Europe/Berlin\'' })
      return
    }
  }
  validateCron(value.cron, value.timezone, `${path}.cron`, issues)
}

const schedule: Validator = (value, path, issues) => {
  if (Array.isArray(value)) value.forEach((entry, i) => scheduleEntry(entry, `${path}[${i}]`, issues))
  else scheduleEntry(value, path, issues)
}

const functionOptions: Shape = {
  timeout: number({ min: 0.001, max: 900, unit: 'seconds', example: 30 }),
  memory: number({ min: 16, max: 65536, integer: true, unit: 'MB', example: 128 }),
  cpu: number({ min: 0.01, max: 256, unit: 'cores', example: 1 }),
  env: envRecord,
  schedule,
  concurrency: number({ min: 1, max: 10000, integer: true, unit: 'requests', example: 50 }),
  minInstances: number({ min: 0, max: 100, integer: true, unit: 'instances', example: 0 }),
  maxInstances: number({ min: 1, max: 1000, integer: true, unit: 'instances', example: 10 }),
  auth: oneOf(['none', 'key']),
  network: boolean,
}

const functionShape: Shape = { entry: string('functions/hello/index.ts'), dir: string('functions/hello'), ...functionOptions }

const functionsRecord: Validator = (value, path, issues) => {
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
    checkShape(fn, `${path}.${name}`, functionShape, issues)
  }
}

const topShape: Shape = {
  functionsDir: (value, path, issues) => {
    if (value !== false) string('functions')(value, path, issues)
  },
  functions: functionsRecord,
  defaults: (value, path, issues) => checkShape(value, path, functionOptions, issues),
  dev: (value, path, issues) => checkShape(value, path, { port: number({ min: 0, max: 65535, integer: true, unit: 'port', example: 3000 }), host: string('localhost') }, issues),
  build: (value, path, issues) => checkShape(value, path, { outDir: string('.lambda/build'), minify: boolean, external: stringArray }, issues),
  deploy: (value, path, issues) => checkShape(value, path, { keepVersions: number({ min: 1, max: 1000, integer: true, unit: 'versions', example: 5 }) }, issues),
  // c12 layering keys
  extends: () => {},
}

export function validateFunctionName(name: string, path: string, issues: ConfigIssue[]) {
  if (!FUNCTION_NAME_RE.test(name)) {
    issues.push({ path, value: name, problem: 'is not a valid function name: names become host names, so they must be DNS labels (a-z, 0-9 and -, at most 63 characters, not starting or ending with -)', fix: `rename it to '${suggestName(name)}'` })
  }
  else if (RESERVED_FUNCTION_NAMES.has(name) || VERSION_LABEL_RE.test(name)) {
    issues.push({ path, value: name, problem: `is reserved (reserved: ${[...RESERVED_FUNCTION_NAMES].join(', ')} and v<number>)`, fix: `rename it, e.g. to '${name}-fn'` })
  }
}

function suggestName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '')
  return cleaned || 'my-function'
}

function checkShape(value: unknown, path: string, shape: Shape, issues: ConfigIssue[]) {
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be an object', fix: `set ${path} to an object with keys ${Object.keys(shape).join(', ')}` })
    return
  }
  for (const [key, v] of Object.entries(value)) {
    const keyPath = path ? `${path}.${key}` : key
    const validate = shape[key]
    if (!validate) {
      const close = closestMatch(key, Object.keys(shape))
      issues.push({ path: keyPath, value: v, problem: 'is not a known option', fix: close ? `did you mean '${close}'? Known options: ${Object.keys(shape).join(', ')}` : `remove it; known options: ${Object.keys(shape).join(', ')}` })
      continue
    }
    if (v !== undefined) validate(v, keyPath, issues)
  }
}

export function validateConfig(config: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  checkShape(config, '', topShape, issues)
  if (isPlainObject(config) && isPlainObject(config.functions)) {
    for (const [name, fn] of Object.entries(config.functions)) {
      if (isPlainObject(fn) && typeof fn.minInstances === 'number' && typeof fn.maxInstances === 'number' && fn.minInstances > fn.maxInstances) {
        issues.push({ path: `functions.${name}.minInstances`, value: fn.minInstances, problem: `is greater than maxInstances (${fn.maxInstances})`, fix: 'lower minInstances or raise maxInstances' })
      }
    }
  }
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
