import { pathToFileURL } from 'node:url'
import { createLambdaInvoker } from './lambda.mjs'
import { createWebInvoker } from './web.mjs'

/**
 * Imports the bundle and returns `invoke(req, res, context)` for whichever contract it implements:
 * web-standard (`export default fn` or `export default { fetch }`) or AWS Lambda (`export const handler`).
 */
export async function loadHandler(handlerPath) {
  const mod = await import(pathToFileURL(handlerPath).href)
  const def = mod.default
  if (typeof def === 'function') return createWebInvoker(def)
  if (def && typeof def.fetch === 'function') return createWebInvoker(def.fetch.bind(def))
  const lambdaHandler = typeof mod.handler === 'function' ? mod.handler : def && typeof def.handler === 'function' ? def.handler : undefined
  if (lambdaHandler) return createLambdaInvoker(lambdaHandler)
  const exported = Object.keys(mod).join(', ') || 'nothing'
  throw new Error(`${handlerPath} exports ${exported}, but a function must export default (request, context) => Response, export default { fetch }, or export a Lambda-style handler(event, context).`)
}
