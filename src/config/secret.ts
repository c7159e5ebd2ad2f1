/**
 * A reference to a secret stored on the agent (`lambda secrets set <name>`). Only the name travels
 * with a deploy and is part of the content hash; the agent puts the value into the function's
 * environment when it starts an instance.
 */
export interface SecretRef {
  secret: string
}

/** Secret names: 1–64 characters of a-z, 0-9, `-`, `_` and `.`. */
export const SECRET_NAME_RE = /^[a-z0-9._-]{1,64}$/

/** Largest secret value, in bytes of UTF-8. */
export const MAX_SECRET_VALUE_BYTES = 32 * 1024

/** `env: { TOKEN: secret('stripe-token') }` in lambda.config.ts. */
export function secret(name: string): SecretRef {
  return { secret: name }
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof (value as SecretRef).secret === 'string'
}

/** Why a secret name is not valid, or undefined when it is. */
export function secretNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'a secret name must be a non-empty string'
  if (name.length > 64) return `the secret name is ${name.length} characters long; at most 64 are allowed`
  if (!SECRET_NAME_RE.test(name)) return `the secret name ${JSON.stringify(name)} may only hold a-z, 0-9, "-", "_" and "."`
  // They would be path segments in the admin API's URL, which clients and servers resolve away.
  if (name === '.' || name === '..') return `the secret name cannot be "${name}"`
  return undefined
}

const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a secret value is not valid, or undefined when it is. Never quotes the value. */
export function secretValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'the value must be a string'
  if (value.length === 0) return 'the value is empty'
  // An environment variable cannot hold a NUL byte: the function could never be started with it.
  if (value.includes('\0')) return 'the value contains a NUL byte, which an environment variable cannot hold'
  if (LONE_SURROGATE_RE.test(value)) return 'the value is not valid Unicode text (it holds a lone UTF-16 surrogate)'
  const bytes = new TextEncoder().encode(value).length
  if (bytes > MAX_SECRET_VALUE_BYTES) return `the value is ${bytes} bytes; at most ${MAX_SECRET_VALUE_BYTES} (32 KB) are allowed`
  return undefined
}

/** The secret names an env record refers to, sorted and without repeats. */
export function secretNamesOf(env: Record<string, string | SecretRef> | undefined): string[] {
  const names = new Set<string>()
  for (const value of Object.values(env ?? {})) {
    if (isSecretRef(value)) names.add(value.secret)
  }
  return [...names].sort()
}
