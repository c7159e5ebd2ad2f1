import type { SecretRef } from '../secret'
import type { Check } from './checks'
import { isSecretRef, secretNameProblem } from '../secret'
import { check, isPlainObject } from './checks'

const ENV_NAME_RE = /^[A-Z_]\w*$/i

/** A function's environment: variable names to a string, or `secret('name')` for a value kept on the agent. */
export type FunctionEnv = Record<string, string | SecretRef>

export const envRecord: Check<FunctionEnv> = check((value, path, issues) => {
  if (!isPlainObject(value)) {
    issues.push({ path, value, problem: 'must be an object of variable names to string values', fix: `set ${path} to something like { API_URL: 'https://example.com' }` })
    return
  }
  for (const [key, v] of Object.entries(value)) {
    if (!ENV_NAME_RE.test(key)) {
      issues.push({ path: `${path}.${key}`, value: key, problem: 'is not a valid environment variable name', fix: 'use letters, digits and underscores, not starting with a digit' })
    }
    else if (key === '__proto__') {
      // A JavaScript object cannot hold it as a plain key: assigning it would change the object's prototype.
      issues.push({ path: `${path}.${key}`, value: key, problem: 'is a name Mini Lambda cannot pass on', fix: 'rename the variable' })
    }
    else if (isSecretRef(v)) {
      const problem = secretNameProblem(v.secret)
      if (problem) issues.push({ path: `${path}.${key}`, value: v, problem: `refers to an invalid secret: ${problem}`, fix: 'name it like secret(\'stripe-token\')' })
    }
    else if (typeof v !== 'string') {
      issues.push({ path: `${path}.${key}`, value: v, problem: 'must be a string or secret(\'name\')', fix: `write it as a string, e.g. '${String(v)}', or keep the value on the agent with secret('name')` })
    }
  }
})
