/**
 * The web Request a function gets, built on first use. Most functions read the method, the URL or a
 * header, and undici's Request (its URL parsing, header checks and the AbortSignal every Request
 * carries) costs more than the rest of an invocation. So the function gets an object whose
 * prototype is Request.prototype (`instanceof Request` holds) that answers `method` and `url` itself,
 * builds `headers` when asked, and builds the real Request for anything else — its body, `signal`,
 * `clone()`, and the internal slots undici reads when the request is handed to `fetch` or
 * `new Request(request)`. The same idea as @hono/node-server's lightweight Request.
 */

const init = Symbol('init')
const real = Symbol('real')
const headers = Symbol('headers')

/**
 * @typedef {object} RequestParts
 * @property {string} url absolute, as the client asked for it
 * @property {string} method as the client sent it
 * @property {string[]} rawHeaders flat `[name, value, …]`
 * @property {(() => ReadableStream<Uint8Array>) | undefined} body makes the body's stream, when there is a body
 */

/** @param {any} light */
function headersOf(light) {
  if (light[real]) return light[real].headers
  if (!light[headers]) {
    const made = new Headers()
    const raw = light[init].rawHeaders
    for (let i = 0; i < raw.length; i += 2) made.append(raw[i], raw[i + 1])
    light[headers] = made
  }
  return light[headers]
}

/**
 * @param {any} light
 * @returns {Request}
 */
function realOf(light) {
  if (!light[real]) {
    const parts = /** @type {RequestParts} */ (light[init])
    // `duplex` is required by Node to stream a request body, and not yet in TypeScript's RequestInit.
    light[real] = new Request(parts.url, /** @type {RequestInit} */ ({ method: parts.method, headers: headersOf(light), body: parts.body?.(), duplex: 'half' }))
  }
  return light[real]
}

/** @type {object | undefined} */
let prototype

// Made at the first request, not at import: touching `Request` loads undici (about 7 MB), which a
// Lambda-style handler never needs.
function requestPrototype() {
  if (prototype) return prototype
  const made = Object.create(Request.prototype, {
    method: { get() { return this[real]?.method ?? this[init].method } },
    url: { get() { return this[real]?.url ?? this[init].url } },
    headers: { get() { return headersOf(this) } },
  })
  // Everything else a Request has, from the real one: its other properties and methods, and the
  // symbol-keyed slots undici's own code reads from a Request it is given (found on a sample, since
  // undici does not export them).
  for (const name of Object.getOwnPropertyNames(Request.prototype)) {
    if (name === 'constructor' || Object.hasOwn(made, name)) continue
    const descriptor = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(Request.prototype, name))
    if (descriptor.get) {
      Object.defineProperty(made, name, { get() { return /** @type {any} */ (realOf(this))[name] } })
    }
    else if (typeof descriptor.value === 'function') {
      Object.defineProperty(made, name, { value(/** @type {unknown[]} */ ...args) { return /** @type {any} */ (realOf(this))[name](...args) } })
    }
  }
  for (const slot of Object.getOwnPropertySymbols(new Request('http://localhost/'))) {
    Object.defineProperty(made, slot, {
      get() { return /** @type {any} */ (realOf(this))[slot] },
      set(value) { /** @type {any} */ (realOf(this))[slot] = value },
    })
  }
  prototype = made
  return made
}

/**
 * @param {RequestParts} parts
 * @returns {Request}
 */
export function lazyRequest(parts) {
  const light = Object.create(requestPrototype())
  light[init] = parts
  return light
}
