import type { H3Event } from 'h3'
import type { IncomingMessage } from 'node:http'
import type { BodyField } from './body-fields'
import { LambdaError } from '../../errors'
import { readBoundedBody } from '../../http/read-bounded-body'
import { badRequest } from './body-fields'

export type BodyShape = Record<string, BodyField<unknown>>
export type BodyOf<S extends BodyShape> = { [K in keyof S]: ReturnType<S[K]> }

/** Admin API bodies are a few fields (the largest, a release of 1000 names, is under 70 KB): more is a mistake or an attack. */
export const MAX_JSON_BODY_BYTES = 256 * 1024

export interface ReadJsonBodyOptions {
  maxBytes?: number
  /** A valid body for this route, quoted in the hints. */
  example: string
  /** The body holds a secret: no error may quote any part of it (JSON.parse's messages do). */
  sensitive?: boolean
}

/**
 * Reads an admin API body as a JSON object of exactly the fields of `shape`, each validated, before
 * the route does anything. An empty body is `{}` (`curl -X POST` without `-d` is common). The body is
 * JSON whatever its content-type: h3's `readBody` would parse `curl -d '{"version":3}'` (sent as a
 * form) into a form field named `{"version":3}`, and the route would act as if no field was sent.
 */
export async function readJsonBody<S extends BodyShape>(event: H3Event, shape: S, options: ReadJsonBodyOptions): Promise<BodyOf<S>> {
  const maxBytes = options.maxBytes ?? MAX_JSON_BODY_BYTES
  const raw = parseJsonObject(await readText(event, maxBytes), options.example, options.sensitive)
  const known = Object.keys(shape)
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(shape, key)) { throw badRequest(`The body has an unknown field "${key.slice(0, 64)}"; this route takes ${known.length > 0 ? known.map(k => `"${k}"`).join(', ') : 'no fields'}.`, `Send e.g. ${options.example}.`, { field: key.slice(0, 64) }) }
  }
  const body = {} as BodyOf<S>
  for (const key of known) body[key as keyof S] = shape[key]!(raw[key], key) as BodyOf<S>[keyof S]
  return body
}

async function readText(event: H3Event, maxBytes: number): Promise<string> {
  const body = await readBoundedBody(event.runtime!.node!.req as IncomingMessage, maxBytes, {
    tooLarge: () => new LambdaError({ code: 'BODY_TOO_LARGE', status: 413, message: `The request body is larger than the limit of ${maxBytes} bytes.`, hint: 'Admin API bodies are small JSON objects; send only the documented fields.', data: { maxBytes } }),
    interrupted: error => badRequest(`The request body was interrupted (${error.message}).`, 'Send the whole body again.'),
  })
  return body.toString('utf8')
}

function parseJsonObject(text: string, example: string, sensitive = false): Record<string, unknown> {
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  }
  catch (error) {
    throw badRequest(sensitive ? 'The body is not JSON.' : `The body is not JSON (${(error as Error).message}).`, `Send a JSON object such as ${example}, e.g. \`curl -H 'content-type: application/json' -d '${example}' …\`; an empty body means no fields.`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
    throw badRequest(`The body must be a JSON object, not ${what}.`, `Send e.g. ${example}; an empty body means no fields.`)
  }
  return value as Record<string, unknown>
}
