export interface LambdaErrorInit {
  /** Stable machine-readable code, e.g. `FUNCTION_NOT_FOUND`. */
  code: string
  /** HTTP status the API answers with. */
  status?: number
  message: string
  /** What the user can do about it. */
  hint?: string
  cause?: unknown
  /** Extra machine-readable fields returned next to code/message/hint. */
  data?: Record<string, unknown>
}

export interface LambdaErrorBody {
  error: { code: string, message: string, hint?: string, [key: string]: unknown }
}

/**
 * The one error type of Mini Lambda. The CLI prints `message` and `hint`;
 * the HTTP API answers `{ error: { code, message, hint } }` with `status`.
 */
export class LambdaError extends Error {
  override readonly name = 'LambdaError'
  readonly code: string
  readonly status: number
  readonly hint?: string
  readonly data?: Record<string, unknown>

  constructor(init: LambdaErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.code = init.code
    this.status = init.status ?? 500
    this.hint = init.hint
    this.data = init.data
  }

  toJSON(): LambdaErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...this.data } }
  }

  static is(value: unknown): value is LambdaError {
    return value instanceof LambdaError || (value as { name?: string })?.name === 'LambdaError'
  }

  /** Rebuilds an error from an API error body, so remote errors print like local ones. */
  static fromBody(body: unknown, status: number): LambdaError | undefined {
    const error = (body as LambdaErrorBody | undefined)?.error
    if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') return undefined
    const { code, message, hint, ...data } = error
    return new LambdaError({ code, message, hint, status, data: Object.keys(data).length > 0 ? data : undefined })
  }
}
