import { secretNameProblem, secretValueProblem } from '../../config/secret'
import { LambdaError } from '../../errors'

/** The same checks on both sides: the CLI fails before asking for a value, the agent never trusts the client. */
export function assertSecretName(name: unknown): asserts name is string {
  const problem = secretNameProblem(name)
  if (problem) throw new LambdaError({ code: 'INVALID_SECRET_NAME', status: 400, message: `Invalid secret name: ${problem}.`, hint: 'Use 1 to 64 characters of a-z, 0-9, "-", "_" and ".", e.g. `lambda secrets set stripe-token`.' })
}

export function assertSecretValue(name: string, value: unknown): asserts value is string {
  const problem = secretValueProblem(value)
  if (problem) throw new LambdaError({ code: 'INVALID_SECRET_VALUE', status: 400, message: `Secret "${name}" was not stored: ${problem}.`, hint: `Pass a non-empty value of at most 32 KB, e.g. \`printf %s "$TOKEN" | lambda secrets set ${name}\`.` })
}
