import type { HttpApiEvent, HttpApiResult } from 'mini-lambda'

// Written as an unmodified AWS Lambda handler (API Gateway HTTP API, payload 2.0).

const operations = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
} as const
type Operation = keyof typeof operations

const json = (statusCode: number, body: unknown): HttpApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

const badRequest = (code: string, message: string) => json(400, { error: { code, message } })

function readInput(event: HttpApiEvent): Record<string, unknown> | undefined {
  const input: Record<string, unknown> = { ...event.queryStringParameters }
  if (!event.body) return input
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body
  try {
    const parsed = JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null ? { ...input, ...parsed } : undefined
  }
  catch {
    return undefined
  }
}

function operand(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

export async function handler(event: HttpApiEvent) {
  const input = readInput(event)
  if (!input) return badRequest('INVALID_JSON', 'The body must be a JSON object such as {"op":"add","a":1,"b":2}.')
  const op = (input.op ?? event.rawPath.split('/').filter(Boolean)[0]) as string | undefined
  if (!op || !(op in operations)) {
    return badRequest('UNKNOWN_OPERATION', `Unknown operation ${JSON.stringify(op ?? null)}: use one of ${Object.keys(operations).join(', ')} (as /<op>, ?op= or "op" in the body).`)
  }
  const a = operand(input.a)
  const b = operand(input.b)
  if (a === undefined || b === undefined) {
    return badRequest('BAD_OPERAND', `Operands a and b must be finite numbers; got a=${JSON.stringify(input.a ?? null)}, b=${JSON.stringify(input.b ?? null)}.`)
  }
  if (op === 'div' && b === 0) return badRequest('DIVISION_BY_ZERO', 'Cannot divide by zero: b must not be 0.')
  return json(200, { op, a, b, result: operations[op as Operation](a, b) })
}
