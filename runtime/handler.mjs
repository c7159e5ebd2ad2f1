import { pathToFileURL } from 'node:url'
import { createLambdaInvoker } from './lambda.mjs'
import { createWebInvoker } from './web.mjs'

/**
 * Imports the bundle and returns `invoke(exchange, context)` for whichever contract it implements:
 * web-standard (`export default fn` or `export default { fetch }`) or AWS Lambda (`export const handler`,
 * `exports.handler = …`, `module.exports = { handler }`).
 * @param {string} handlerPath
 * @returns {Promise<import('./types').Invoker>}
 */
export async function loadHandler(handlerPath) {
  const mod = await import(pathToFileURL(handlerPath).href)
  // Node imports a CommonJS bundle with `module.exports` as the default export. Code compiled from ES
  // modules (TypeScript, Babel) marks that object with __esModule and keeps its default export in `.default`.
  const compiled = mod.default?.__esModule ? mod.default : undefined
  const def = compiled ? compiled.default : mod.default
  if (typeof def === 'function') return createWebInvoker(def)
  if (def && typeof def.fetch === 'function') return createWebInvoker(def.fetch.bind(def))
  const lambdaHandler = [mod, compiled, def].map(exports => exports?.handler).find(handler => typeof handler === 'function')
  if (lambdaHandler) return createLambdaInvoker(lambdaHandler)
  const exported = Object.keys(compiled ?? mod).filter(name => name !== '__esModule').join(', ') || 'nothing'
  throw new Error(`${handlerPath} exports ${exported}, but a function must export default (request, context) => Response, export default { fetch }, or export a Lambda-style handler(event, context) (exports.handler = … in CommonJS).`)
}
