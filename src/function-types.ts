/** What every invocation gets as its second argument. */
export interface FunctionContext {
  /** Same as the request's `x-request-id` header. */
  requestId: string
  functionName: string
  version: string
  memoryLimitInMB: number
  /** Epoch milliseconds after which the invocation is cut off (504). */
  deadline: number
  getRemainingTimeInMillis: () => number
  /** Keeps background work going after the response is sent. */
  waitUntil: (promise: Promise<unknown>) => void
}

/** A web-standard function: `export default (request, context) => …`. */
export type WebHandler = (request: Request, context: FunctionContext) => Response | string | object | null | undefined | Promise<Response | string | object | null | undefined>

/** API Gateway HTTP API event, payload format 2.0, as AWS Lambda handlers receive it. */
export interface HttpApiEvent {
  version: '2.0'
  routeKey: string
  rawPath: string
  rawQueryString: string
  cookies?: string[]
  headers: Record<string, string>
  queryStringParameters?: Record<string, string>
  requestContext: {
    accountId: string
    apiId: string
    domainName: string
    domainPrefix: string
    http: { method: string, path: string, protocol: string, sourceIp: string, userAgent: string }
    requestId: string
    routeKey: string
    stage: string
    time: string
    timeEpoch: number
  }
  body?: string
  isBase64Encoded: boolean
}

/** What a Lambda-style handler may return (payload format 2.0). */
export type HttpApiResult = {
  statusCode: number
  headers?: Record<string, string | number | boolean>
  cookies?: string[]
  body?: string
  isBase64Encoded?: boolean
} | string | number | boolean | object | null | undefined

/** AWS Lambda's Node.js `context`. */
export interface LambdaContext extends FunctionContext {
  callbackWaitsForEmptyEventLoop: boolean
  functionVersion: string
  invokedFunctionArn: string
  awsRequestId: string
  logGroupName: string
  logStreamName: string
}

export type LambdaCallback = (error?: Error | string | null, result?: HttpApiResult) => void
export type LambdaHandler = (event: HttpApiEvent, context: LambdaContext, callback: LambdaCallback) => void | HttpApiResult | Promise<HttpApiResult>
