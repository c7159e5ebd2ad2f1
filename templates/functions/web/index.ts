import type { FunctionContext } from 'mini-lambda'

// {{name}}: a web-standard function. Return a Response, a string (text/plain) or an object (JSON).
export default async (request: Request, context: FunctionContext) => {
  const url = new URL(request.url)
  return { function: context.functionName, method: request.method, path: url.pathname }
}
