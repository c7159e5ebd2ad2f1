import type { H3, H3Event } from 'h3'
import type { AgentContext } from '../context'
import { getQuery, getRouterParam } from 'h3'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { MAX_SECRET_VALUE_BYTES } from '../../config/secret'
import { listSecrets, removeSecret, setSecret } from '../secrets/manage-secrets'
import { assertSecretName, assertSecretValue } from '../secrets/secret-input'
import { badRequest } from './body-fields'
import { defineAdminHandler } from './define-admin'
import { readJsonBody } from './read-json-body'

// JSON escapes (\uXXXX) can make a value six times longer on the wire.
const MAX_BODY_BYTES = 6 * MAX_SECRET_VALUE_BYTES + 1024

/** `{ "value": "…" }`, size-capped while it is read. Errors never quote the body: it holds the secret. */
async function readSecretValue(event: H3Event, name: string): Promise<string> {
  const { value } = await readJsonBody(event, {
    value: (value: unknown) => {
      if (value === undefined) throw badRequest('The body has no "value".', 'Send a JSON body { "value": "<the secret>" }, as `lambda secrets set <name>` does.')
      assertSecretValue(name, value)
      return value
    },
  }, { maxBytes: MAX_BODY_BYTES, example: '{ "value": "<the secret>" }', sensitive: true })
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

  app.get(base, defineAdminHandler(ctx, 'admin', () => listSecrets(ctx)))

  app.put(`${base}/:name`, defineAdminHandler(ctx, 'admin', async (event) => {
    const name = nameParam(event)
    return setSecret(ctx, name, await readSecretValue(event, name))
  }, { action: 'secret.set', detail: result => ({ created: result.created, recycled: result.recycled }) }))

  app.delete(`${base}/:name`, defineAdminHandler(ctx, 'admin', async (event) => {
    const force = getQuery(event).force
    return removeSecret(ctx, nameParam(event), force === 'true' || force === '1')
  }, { action: 'secret.remove', detail: result => ({ usedBy: result.usedBy }) }))
}
