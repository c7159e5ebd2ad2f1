import { AsyncLocalStorage } from 'node:async_hooks'
import { inspect } from 'node:util'

/**
 * Which request printed a line. Every line a function writes while serving a request starts with
 * `\x1e<request id>\x1f` (record and unit separator: nothing real prints them), which whoever reads the
 * instance's output (the agent, `lambda dev`) strips and files the line under that request, as AWS Lambda
 * prefixes `<timestamp>\t<requestId>\tINFO\t`. Must match src/log/attributed-line.ts.
 *
 * The request is tracked with AsyncLocalStorage, so it follows the handler into timers, promises and
 * callbacks, and concurrent requests on one instance keep their own lines. A function can print a fake
 * prefix, but only on its own output: it can mislabel nothing but its own lines.
 */
export const LINE_MARK = '\x1E'
export const ID_END = '\x1F'

/** @type {AsyncLocalStorage<string>} */
const currentRequest = new AsyncLocalStorage()

/**
 * Runs `serve` as request `requestId`: whatever it prints, now or in callbacks it schedules, is marked.
 * @template T
 * @param {string} requestId
 * @param {() => T} serve
 * @returns {T}
 */
export function runAttributed(requestId, serve) {
  return currentRequest.run(requestId, serve)
}

/**
 * Marks the start of each line written to stdout and stderr during a request; output outside any
 * request (loading, a timer started at import) passes through as it is.
 * @param {NodeJS.WriteStream} stream
 */
function markLines(stream) {
  const write = stream.write
  let atLineStart = true
  /** @type {any} */
  const marked = function (/** @type {any} */ chunk, /** @type {any} */ encoding, /** @type {any} */ callback) {
    const requestId = currentRequest.getStore()
    const isText = typeof chunk === 'string'
    if (requestId === undefined || !(isText || chunk instanceof Uint8Array)) {
      if (isText ? chunk.length > 0 : chunk?.length > 0) atLineStart = isText ? chunk.endsWith('\n') : chunk[chunk.length - 1] === 0x0A
      return write.call(stream, chunk, encoding, callback)
    }
    if (typeof encoding === 'function') {
      callback = encoding
      encoding = undefined
    }
    const text = isText
      ? (encoding && encoding !== 'utf8' && encoding !== 'utf-8' ? Buffer.from(chunk, encoding).toString('utf8') : chunk)
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
    if (text.length === 0) return write.call(stream, chunk, encoding, callback)
    const mark = `${LINE_MARK}${requestId}${ID_END}`
    const out = (atLineStart ? mark : '') + text.replace(/\n(?=[\s\S])/g, `\n${mark}`)
    atLineStart = text.endsWith('\n')
    return write.call(stream, out, 'utf8', callback)
  }
  stream.write = marked
}

let installed = false

/**
 * Installs the marking on stdout and stderr, and makes both blocking, as they are on a terminal: a
 * function that prints faster than its output is read waits for the reader instead of piling its
 * output up in memory (Node buffers writes to a pipe without limit). An uncaught exception or unhandled rejection is printed
 * here, under the request that caused it (Node's own report would be written past the marking, to fd
 * 2 directly), and the process then exits 1 as Node would. A function with its own `uncaughtException`
 * handler keeps running, as it asked.
 */
export function attributeOutput() {
  if (installed) return
  installed = true
  for (const stream of [process.stdout, process.stderr]) {
    /** @type {any} */ (stream)._handle?.setBlocking?.(true)
    markLines(stream)
  }
  process.on('uncaughtException', (error, origin) => {
    const what = origin === 'unhandledRejection' ? 'Unhandled promise rejection' : 'Uncaught exception'
    process.stderr.write(`${what}: ${inspect(error)}\n`)
    if (process.listenerCount('uncaughtException') === 1) process.exit(1)
  })
}
