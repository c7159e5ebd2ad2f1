import type { ConfigIssue } from './schema/checks'
import { LambdaError } from '../errors'

/**
 * The one rule for a function's name, wherever a name comes from: `lambda.config.ts`, a folder, a
 * command line, an upload or an admin API path. Names become host names (`hello.example.com`), so
 * they are DNS labels.
 */
export const FUNCTION_NAME_RE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/

/** Names that would collide with routes of the agent or the dev server. */
export const RESERVED_FUNCTION_NAMES = new Set(['api', 'admin', 'agent', 'lambda', 'www', 'localhost', 'health', 'status'])

/** `v<N>` labels address versions (`v3.hello.example.com`), so no function may be called that. */
export const VERSION_LABEL_RE = /^v(\d+)$/

/** Why `name` cannot be a function's name, and how to fix it; undefined when it can. */
export function functionNameProblem(name: string): { problem: string, fix: string } | undefined {
  if (!FUNCTION_NAME_RE.test(name)) {
    return { problem: 'is not a valid function name: names become host names, so they must be DNS labels (a-z, 0-9 and -, at most 63 characters, not starting or ending with -)', fix: `rename it to '${suggestName(name)}'` }
  }
  if (RESERVED_FUNCTION_NAMES.has(name) || VERSION_LABEL_RE.test(name)) {
    return { problem: `is reserved (reserved: ${[...RESERVED_FUNCTION_NAMES].join(', ')} and v<number>)`, fix: `rename it, e.g. to '${name}-fn'` }
  }
  return undefined
}

/** The name check as a config issue at `path`. */
export function validateFunctionName(name: string, path: string, issues: ConfigIssue[]): void {
  const problem = functionNameProblem(name)
  if (problem) issues.push({ path, value: name, ...problem })
}

/** Throws INVALID_NAME (400) for a name that cannot be a function's; `orElse` adds another way out to the fix. */
export function assertFunctionName(name: string, orElse?: string): void {
  const problem = functionNameProblem(name)
  if (problem) throw new LambdaError({ code: 'INVALID_NAME', status: 400, message: `"${name}" ${problem.problem}.`, hint: `Fix: ${problem.fix}${orElse ? `, ${orElse}` : ''}.` })
}

function suggestName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '')
  return cleaned || 'my-function'
}
