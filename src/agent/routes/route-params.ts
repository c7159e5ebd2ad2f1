import type { H3Event } from 'h3'
import type { ConfigIssue } from '../../config/schema/checks'
import { getRouterParam } from 'h3'
import { validateFunctionName } from '../../config/function-name'
import { LambdaError } from '../../errors'
import { KEY_ID_RE } from '../auth/api-keys'
import { describeName } from '../auth/describe-name'

/** Why `name` cannot be a function's name, or undefined. */
export function functionNameProblem(name: string): { problem: string, hint: string } | undefined {
  const issues: ConfigIssue[] = []
  validateFunctionName(name, 'name', issues)
  return issues[0] && { problem: issues[0].problem, hint: `Fix: ${issues[0].fix}.` }
}

/**
 * The `:name` of `/_lambda/functions/:name/…`, checked before any store or lock sees it. Taken as sent:
 * valid names need no percent-encoding, so an encoded or malformed one is simply not a name.
 */
export function functionNameParam(event: H3Event): string {
  const name = getRouterParam(event, 'name') ?? ''
  const issue = functionNameProblem(name)
  if (issue) throw new LambdaError({ code: 'INVALID_NAME', status: 400, message: `${describeName(name)} ${issue.problem}.`, hint: issue.hint })
  return name
}

/** The `:id` of `/_lambda/keys/:id`: eight lowercase letters or digits, as `lambda agent keys list` shows them. */
export function keyIdParam(event: H3Event): string {
  const id = getRouterParam(event, 'id') ?? ''
  if (!KEY_ID_RE.test(id)) {
    throw new LambdaError({ code: 'INVALID_KEY_ID', status: 400, message: `${describeName(id)} is not an API key id: ids are 8 lowercase letters or digits.`, hint: 'Revoke by the id that `lambda agent keys list` or `GET /_lambda/keys` shows, not by the key itself or its name.' })
  }
  return id
}
