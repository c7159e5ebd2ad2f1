import { toHttpApiEvent } from './lambda-event.mjs'
import { fromHttpApiResult } from './lambda-result.mjs'
import { toScheduledEvent } from './scheduled-event.mjs'

/**
 * The `context` object AWS Lambda's Node.js runtime passes, plus Mini Lambda's own fields.
 * @param {import('./types').InvocationContext} context
 * @param {import('./types').LambdaCallback} settle
 */
function toLambdaContext(context, settle) {
  return {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    functionName: context.functionName,
    functionVersion: String(context.version),
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${context.functionName}`,
    memoryLimitInMB: String(context.memoryLimitInMB),
    awsRequestId: context.requestId,
    logGroupName: `/aws/lambda/${context.functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[${context.version}]${process.pid}`,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: context.getRemainingTimeInMillis,
    // Legacy completion methods some older handlers still call.
    done: /** @type {import('./types').LambdaCallback} */ ((error, value) => settle(error, value)),
    succeed: /** @param {unknown} value */ value => settle(null, value),
    fail: /** @param {unknown} error */ error => settle(error ?? new Error('context.fail() called')),
  }
}

/**
 * @param {import('./types').LambdaHandler} handler
 * @param {unknown} event
 * @param {import('./types').InvocationContext} context
 * @returns {Promise<unknown>}
 */
function callHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false
    /** @type {import('./types').LambdaCallback} */
    const settle = (error, value) => {
      if (settled) return
      settled = true
      if (error) reject(error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error)))
      else resolve(value)
    }
    const lambdaContext = toLambdaContext(context, settle)
    try {
      const returned = /** @type {any} */ (handler(event, lambdaContext, settle))
      if (returned && typeof returned.then === 'function') returned.then(/** @param {unknown} value */ value => settle(null, value), settle)
      // A handler that declares no callback answers with what it returns; one that does answers through it.
      else if (handler.length < 3) settle(null, returned)
    }
    catch (error) {
      settle(error)
    }
  })
}

/**
 * @param {import('./types').LambdaHandler} handler
 * @returns {import('./types').Invoker}
 */
export function createLambdaInvoker(handler) {
  return async function invokeLambda(exchange, context) {
    const body = await exchange.readBody()
    // A schedule's call is an EventBridge event, not an HTTP one; what the handler returns is not a
    // response description then (as on AWS), so it is answered 200 as it is.
    const scheduled = toScheduledEvent(exchange, body, context)
    const result = await callHandler(handler, scheduled ?? toHttpApiEvent(exchange, body, context), context)
    const response = scheduled ? fromHttpApiResult(JSON.stringify(result ?? null)) : fromHttpApiResult(result)
    response.headers.push('content-length', String(response.body.length))
    exchange.writeHead(response.status, undefined, response.headers)
    exchange.end(exchange.method === 'HEAD' ? undefined : response.body)
  }
}
