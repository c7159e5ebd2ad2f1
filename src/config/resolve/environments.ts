import type { ConfigIssue } from '../schema/checks'
import { closestMatch } from '../../closest-match'
import { LambdaError } from '../../errors'
import { validateConfig } from '../validate'

/** c12's shorthand environment keys; any other environment is named under `$env`. */
export const SHORTHAND_ENVIRONMENTS = ['development', 'production', 'test']

/** Editors read `$schema` in JSON configs; it means nothing to Mini Lambda. */
const IGNORED_KEYS = new Set(['$schema'])

const KNOWN_KEYS = [...SHORTHAND_ENVIRONMENTS.map(name => `$${name}`), '$env']
const KNOWN_LIST = `${SHORTHAND_ENVIRONMENTS.map(name => `$${name}`).join(', ')} and $env: { <name>: { … } }`

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export interface ConfigEnvironments {
  /** The config without its `$…` keys (c12 has already applied the chosen environment). */
  config: Record<string, unknown>
  /** The environments the config defines, by name. */
  defined: string[]
  /** Problems in the `$…` keys and inside every environment block, selected or not. */
  issues: ConfigIssue[]
  /** Paths (without the `$…` prefix) of problems in the selected block: the merged config repeats them. */
  reportedInSelected: Set<string>
}

/**
 * c12 applies `$<envName>` and `$env.<envName>` over the config and, with omit$Keys, drops every other
 * `$` key unseen: `$prodution` would silently never apply. So every `$` key must be a known one, and every
 * environment block is checked as a config of its own, also when another environment is chosen.
 */
export function splitEnvironments(loaded: Record<string, unknown>, envName: string | undefined): ConfigEnvironments {
  const config: Record<string, unknown> = {}
  const blocks: Array<{ name: string, path: string, value: unknown }> = []
  const issues: ConfigIssue[] = []
  for (const [key, value] of Object.entries(loaded)) {
    if (!key.startsWith('$')) {
      config[key] = value
    }
    else if (IGNORED_KEYS.has(key)) {
      continue
    }
    else if (key === '$env') {
      if (!isPlainObject(value)) {
        issues.push({ path: key, value, problem: 'must be an object of environment names to config overrides', fix: 'set $env to something like { staging: { defaults: { memory: 256 } } }' })
        continue
      }
      for (const [name, block] of Object.entries(value)) blocks.push({ name, path: `$env.${name}`, value: block })
    }
    else if (SHORTHAND_ENVIRONMENTS.includes(key.slice(1))) {
      blocks.push({ name: key.slice(1), path: key, value })
    }
    else {
      const close = closestMatch(key, KNOWN_KEYS)
      issues.push({
        path: key,
        value,
        problem: `is not a known environment key (c12 applies ${KNOWN_LIST}; any other $ key would be ignored)`,
        fix: close ? `did you mean '${close}'? Environment keys: ${KNOWN_LIST}` : `name a custom environment under $env, e.g. $env: { ${key.slice(1) || 'staging'}: { … } }`,
      })
    }
  }
  const reportedInSelected = new Set<string>()
  for (const block of blocks) {
    if (!isPlainObject(block.value)) {
      issues.push({ path: block.path, value: block.value, problem: 'must be an object of config overrides for that environment', fix: `set ${block.path} to something like { defaults: { memory: 512 } }` })
      continue
    }
    for (const issue of validateConfig(block.value)) {
      issues.push({ ...issue, path: `${block.path}.${issue.path}`, fix: issue.fix.replaceAll(`set ${issue.path} `, `set ${block.path}.${issue.path} `) })
      if (block.name === envName) reportedInSelected.add(issue.path)
    }
  }
  return { config, defined: [...new Set(blocks.map(b => b.name))].sort(), issues, reportedInSelected }
}

/** `--env stagin` when the config defines `staging`: an explicit choice that would apply nothing. */
export function unknownEnvironment(envName: string, defined: string[], fileLabel: string): LambdaError {
  const close = closestMatch(envName, defined)
  return new LambdaError({
    code: 'CONFIG_ENV_UNKNOWN',
    status: 400,
    message: `The environment "${envName}" (--env) is not defined in ${fileLabel}: ${defined.length > 0 ? `it defines ${defined.join(', ')}` : 'it defines no environments'}.`,
    hint: `${close ? `Did you mean --env ${close}? ` : ''}Define it as ${SHORTHAND_ENVIRONMENTS.includes(envName) ? `$${envName}: { … }` : `$env: { ${envName}: { … } }`} in ${fileLabel}, or run without --env.`,
    data: { envName, defined },
  })
}
