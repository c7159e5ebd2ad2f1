import type { H3, H3Event } from 'h3'
import { assertBodySize, getQuery, getRouterParam, HTTPError } from 'h3'
import { MAX_SECRET_VALUE_BYTES } from '../../config/secret'
import { LambdaError } from '../../errors'
import type { AgentContext } from '../context'
import { ADMIN_PREFIX } from '../options'
import { listSecrets, removeSecret, setSecret } from '../secrets/manage-secrets'
import { assertSecretName, assertSecretValue } from '../secrets/secret-input'
import { defineAdminHandler } from './define-admin'

// JSON escapes (\uXXXX) can make a value six times longer on the wire.
const MAX_BODY_BYTES = 6 * MAX_SECRET_VALUE_BYTES + 1024

const badBody = (message: string) => new LambdaError({ code: 'BAD_REQUEST', status: 400, message, hint: 'Send a JSON body { "value": "<the secret>" }, as `lambda secrets set <name>` does.' })

/** `{ "value": "…" }`, size-capped while it is read. Errors never quote the body: it holds the secret. */
async function readSecretValue(event: H3Event, name: string): Promise<string> {
  let text: string
  try {
    assertBodySize(event, MAX_BODY_BYTES)
    text = await event.req.text()
  }
  catch (error) {
    if (HTTPError.isError(error) && error.status === 413) {
      throw new LambdaError({ code: 'BODY_TOO_LARGE', status: 413, message: `The request body is larger than ${MAX_BODY_BYTES} bytes; a secret value holds at most ${MAX_SECRET_VALUE_BYTES} bytes (32 KB).`, hint: 'Store large material elsewhere and keep only a key or token in the secret.' })
    }
    throw badBody('The request body could not be read.')
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  }
  catch {
    throw badBody('The request body is not JSON.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badBody('The request body must be a JSON object.')
  const extra = Object.keys(body).filter(key => key !== 'value')
  if (extra.length > 0) throw badBody(`Unknown field(s) in the body: ${extra.slice(0, 5).map(k => JSON.stringify(k.slice(0, 40))).join(', ')}; only "value" is accepted.`)
  const { value } = body as { value?: unknown }
  if (value === undefined) throw badBody('The body has no "value".')
  assertSecretValue(name, value)
  return value
}

const nameParam = (event: H3Event): string => {
  const name = getRouterParam(event, 'name')
  assertSecretName(name)
  return name
}

/** Secrets live only on the agent: these routes take values in and never hand one back. */
export function registerSecretRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/secrets`

  // scope: admin
  app.get(base, defineAdminHandler(ctx, () => listSecrets(ctx)))

  // scope: admin
  app.put(`${base}/:name`, defineAdminHandler(ctx, async (event) => {
    const name = nameParam(event)
    return setSecret(ctx, name, await readSecretValue(event, name))
  }))

  // scope: admin
  app.delete(`${base}/:name`, defineAdminHandler(ctx, async (event) => {
    const force = getQuery(event).force
    return removeSecret(ctx, nameParam(event), force === 'true' || force === '1')
  }))
}
