import type { HttpApiEvent, LambdaContext } from 'mini-lambda'

// {{name}}: an AWS Lambda handler; it receives API Gateway HTTP API events (payload format 2.0).
export const handler = async (event: HttpApiEvent, context: LambdaContext) => {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ function: context.functionName, path: event.rawPath, query: event.queryStringParameters ?? {} }),
  }
}
