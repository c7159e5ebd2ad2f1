import type { FunctionContext } from 'mini-lambda'

export default (request: Request, context: FunctionContext) => {
  const name = new URL(request.url).searchParams.get('name') ?? 'World'
  return { message: `Hello, ${name}!`, requestId: context.requestId }
}
