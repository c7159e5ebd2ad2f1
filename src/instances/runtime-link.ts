import type { ClientRequestArgs } from 'node:http'
import type { Server, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { chmodSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { Agent } from 'node:http'
import { createServer } from 'node:net'
import { Mux } from '../../runtime/mux.mjs'
import { FrameChannel } from './frame-channel'

/** Must match runtime/link.mjs. */
export const LINK_PROTOCOL = 1
/**
 * Connections beyond `concurrency` a runtime dialing one per request keeps ready (runtime/connector.mjs,
 * older runtimes' `frames`), plus control and slack. Our runtime needs two: control and the mux.
 */
const EXTRA_CONNECTIONS = 4
/** A connection must say who it is this soon after it is accepted. */
const HELLO_TIMEOUT_MS = 5000
/** The hello may carry a startup error with its stack; nothing more is read before it ends. */
const HELLO_MAX_BYTES = 64 * 1024
const CONTROL_LINE_MAX_BYTES = 4096
const STARTUP_ERROR_MAX_CHARS = 8192

export interface RuntimeLinkOptions {
  /** Where to listen: a path in a folder only the agent can write. */
  socketPath: string
  /** Requests one instance serves at once; bounds how many connections it may open. */
  concurrency: number
  /** Permissions of the socket file: 0o666 when the runtime runs as another user (containers). */
  socketMode?: number
  /** How long a new connection may take to say who it is. Default: 5 s. */
  helloTimeoutMs?: number
}

type Taker = (error: Error | null, socket: Duplex) => void
type ChannelTaker = (error: Error | null, channel?: FrameChannel) => void

/** Hands the runtime's dialed-in connections to HTTP requests, as a keep-alive agent would dial. */
// The instance pool never sends an instance more than `concurrency` requests at once, and the connector
// keeps up to `concurrency` + 2 connections, so a request that finds no free one gets the next one dialed.
class LinkAgent extends Agent {
  constructor(private readonly link: RuntimeLink, concurrency: number) {
    super({ keepAlive: true, maxFreeSockets: concurrency + EXTRA_CONNECTIONS })
  }

  override createConnection(_options: ClientRequestArgs, callback?: Taker): Duplex | null | undefined {
    return this.link.take(callback!)
  }
}

/**
 * The agent's end of one instance's link (see runtime/link.mjs): a listening unix socket the agent
 * created itself, which the runtime dials. The agent never opens a path the function can create or
 * replace; whatever the function sends is bounded (connection count, hello size and deadline, and
 * on `frames` connections every frame: link-frames.ts).
 *
 * Requests travel as frames (frame-channel.ts), each on a stream of the runtime's one `mux`
 * connection (runtime/mux.mjs: our runtime), or each on a whole `frames` connection (runtimes from
 * before the mux), else as HTTP/1.1 (runtime/connector.mjs bridging a custom image's own server, and
 * images built with a runtime from before the frames). The hello says which.
 */
export class RuntimeLink {
  readonly socketPath: string
  /** Keep-alive HTTP over the runtime's connections, when they speak HTTP. */
  readonly agent: Agent
  /** How this instance's connections carry requests: known once the first one said hello. */
  protocol?: 'mux' | 'frames' | 'http'
  /** Resolves at the first HTTP connection: the function loaded and serves. */
  readonly ready: Promise<void>
  /** What the runtime reported when the function failed to load. */
  startupError?: string
  private reportStartupError?: () => void
  private readonly startupErrorReported = new Promise<void>(resolve => (this.reportStartupError = resolve))
  private readonly server: Server
  private readonly idle: Socket[] = []
  private readonly takers: Taker[] = []
  private readonly idleChannels: FrameChannel[] = []
  private readonly channelTakers: ChannelTaker[] = []
  private readonly accepted = new Set<Socket>()
  private control?: Socket
  private mux?: Mux
  private readonly awaiting = new Map<string, Array<() => void>>()
  private markReady!: () => void
  private closed = false
  private readonly helloTimeoutMs: number

  private constructor(options: RuntimeLinkOptions) {
    this.socketPath = options.socketPath
    this.helloTimeoutMs = options.helloTimeoutMs ?? HELLO_TIMEOUT_MS
    this.ready = new Promise(resolve => (this.markReady = resolve))
    this.server = createServer({ pauseOnConnect: false }, socket => this.accept(socket))
    // Beyond this the kernel-accepted connection is closed at once: a function cannot exhaust our descriptors.
    this.server.maxConnections = options.concurrency + EXTRA_CONNECTIONS
    this.agent = new LinkAgent(this, options.concurrency)
    this.server.on('error', () => {})
  }

  /**
   * Listens at once (binding a unix socket is synchronous), so a process or container may be started
   * right after; `ready` rejects if the socket could not be bound.
   */
  static open(options: RuntimeLinkOptions): RuntimeLink {
    const link = new RuntimeLink(options)
    rmSync(options.socketPath, { force: true })
    const failed = new Promise<never>((_, reject) => link.server.once('error', reject))
    link.server.listen(options.socketPath)
    if (options.socketMode !== undefined && link.server.listening) chmodSync(options.socketPath, options.socketMode)
    ;(link as { ready: Promise<void> }).ready = Promise.race([link.ready, failed])
    link.ready.catch(() => {})
    return link
  }

  /** Connections open right now (for tests and diagnostics). */
  get connections(): number {
    return this.accepted.size
  }

  /** Whether the runtime reports when requests finish (ours does; a custom server may not). */
  get hasControl(): boolean {
    return this.control !== undefined && !this.control.destroyed
  }

  /** A connection for one HTTP request: at once when one is idle, else when the runtime dials the next. */
  take(callback: Taker): Duplex | undefined {
    if (this.closed) {
      callback(new Error('the instance is gone'), undefined as unknown as Duplex)
      return undefined
    }
    const socket = this.idle.pop()
    if (socket) return socket
    this.takers.push(callback)
    return undefined
  }

  /** Whether requests go as frames (mux or frames connections), not HTTP. */
  get framed(): boolean {
    return this.protocol === 'mux' || this.protocol === 'frames'
  }

  /**
   * A channel for one request: at once when the mux is up or a frames connection is idle (returned),
   * else through `callback` when the runtime dials. The channel comes back by itself when its request ends.
   */
  takeChannel(callback: ChannelTaker): FrameChannel | undefined {
    if (this.closed) {
      callback(new Error('the instance is gone'))
      return undefined
    }
    if (this.mux?.usable) return this.muxChannel(this.mux)
    for (let channel = this.idleChannels.pop(); channel; channel = this.idleChannels.pop()) {
      if (channel.usable) return channel
    }
    this.channelTakers.push(callback)
    return undefined
  }

  /** Hands a `frames` connection whose request ended to the next waiting request, or keeps it idle. */
  private releaseChannel = (channel: FrameChannel): void => {
    if (!channel.usable || this.closed) return
    const taker = this.channelTakers.shift()
    if (taker) taker(null, channel)
    else this.idleChannels.push(channel)
  }

  /**
   * Resolves once the runtime says request `id` is no longer running (at once if it never was);
   * undefined when there is no control connection to ask.
   */
  whenDone(id: string): Promise<void> | undefined {
    const control = this.control
    if (!control || control.destroyed) return undefined
    return new Promise((resolve) => {
      const waiting = this.awaiting.get(id)
      if (waiting) waiting.push(resolve)
      else this.awaiting.set(id, [resolve])
      control.write(`${JSON.stringify({ type: 'await', id })}\n`)
    })
  }

  /**
   * The runtime sends its load error just before it exits, and the exit may be noticed first:
   * waits a moment for the report when the instance ended before it served.
   */
  async startupErrorAfterExit(graceMs = 300): Promise<string | undefined> {
    if (this.startupError === undefined) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([this.startupErrorReported, new Promise<void>(resolve => (timer = setTimeout(resolve, graceMs)))])
      clearTimeout(timer)
    }
    return this.startupError
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const taker of this.takers.splice(0)) taker(new Error('the instance is gone'), undefined as unknown as Duplex)
    for (const taker of this.channelTakers.splice(0)) taker(new Error('the instance is gone'))
    this.agent.destroy()
    for (const socket of this.accepted) socket.destroy()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
    await rm(this.socketPath, { force: true }).catch(() => {})
  }

  private accept(socket: Socket) {
    if (this.closed) return void socket.destroy()
    this.accepted.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => this.accepted.delete(socket))
    const chunks: Buffer[] = []
    let length = 0
    const timer = setTimeout(() => socket.destroy(), this.helloTimeoutMs)
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(10)
      length += chunk.length
      if (newline === -1) {
        if (length > HELLO_MAX_BYTES) return finish()
        chunks.push(chunk)
        return
      }
      chunks.push(chunk.subarray(0, newline))
      // Nothing may follow the hello before the agent speaks: the runtime only ever answers.
      finish(newline === chunk.length - 1 && length <= HELLO_MAX_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined)
    }
    const finish = (line?: string) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('end', onEnd)
      const hello = line === undefined ? undefined : parseHello(line)
      if (!hello) return void socket.destroy()
      this.onHello(socket, hello)
    }
    const onEnd = () => finish()
    socket.on('data', onData)
    socket.once('end', onEnd)
  }

  private onHello(socket: Socket, hello: Hello) {
    if (hello.role === 'error') {
      this.startupError ??= describeStartupError(hello.error)
      this.reportStartupError?.()
      return void socket.destroy()
    }
    if (hello.role === 'control') {
      // A runtime whose control connection broke dials a new one (runtime/agent-redial.mjs): the live one wins.
      if (this.control && !this.control.destroyed) return void socket.destroy()
      this.control = socket
      this.readControl(socket)
      return
    }
    // One instance speaks one protocol: a connection in the other one is not from its runtime.
    if (this.protocol && this.protocol !== hello.role) return void socket.destroy()
    if (hello.role === 'mux') return this.acceptMux(socket)
    this.protocol = hello.role
    this.markReady()
    if (hello.role === 'frames') {
      const channel = new FrameChannel(socket, this.releaseChannel)
      socket.once('close', () => {
        const index = this.idleChannels.indexOf(channel)
        if (index !== -1) this.idleChannels.splice(index, 1)
      })
      return this.releaseChannel(channel)
    }
    socket.once('close', () => {
      const index = this.idle.indexOf(socket)
      if (index !== -1) this.idle.splice(index, 1)
    })
    const taker = this.takers.shift()
    if (taker) taker(null, socket)
    else this.idle.push(socket)
  }

  /** The runtime's one mux connection (again after it was lost): waiting requests take streams on it. */
  private acceptMux(socket: Socket) {
    if (this.mux && !this.mux.socket.destroyed) return void socket.destroy()
    const mux = new Mux(socket)
    this.mux = mux
    this.protocol = 'mux'
    this.markReady()
    socket.once('close', () => {
      if (this.mux === mux) this.mux = undefined
    })
    for (const taker of this.channelTakers.splice(0)) taker(null, this.muxChannel(mux))
  }

  private muxChannel(mux: Mux): FrameChannel {
    // A stream carries one request: once it ended, both sides forget it, and the next request opens its own.
    // The rest of a body the function did not wait for is not owed to the runtime, and an untrusted
    // runtime that gives no credit for it must not make the agent keep it.
    const stream = mux.open()
    return new FrameChannel(stream, () => stream.finish({ dropUnsent: true }))
  }

  private readControl(socket: Socket) {
    let pending = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      pending += chunk
      let newline
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        const message = parseJSON(line) as { type?: unknown, id?: unknown } | undefined
        if (message?.type !== 'done' || typeof message.id !== 'string') continue
        const waiting = this.awaiting.get(message.id)
        this.awaiting.delete(message.id)
        for (const resolve of waiting ?? []) resolve()
      }
      if (pending.length > CONTROL_LINE_MAX_BYTES) socket.destroy()
    })
  }
}

type Hello
  = | { role: 'mux' }
    | { role: 'http' }
    | { role: 'frames' }
    | { role: 'control' }
    | { role: 'error', error: unknown }

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text)
  }
  catch {
    return undefined
  }
}

function parseHello(line: string): Hello | undefined {
  const hello = parseJSON(line) as Record<string, unknown> | undefined
  if (!hello || typeof hello !== 'object' || hello['mini-lambda'] !== LINK_PROTOCOL) return undefined
  if (hello.role === 'mux' || hello.role === 'http' || hello.role === 'frames' || hello.role === 'control') return { role: hello.role }
  if (hello.role === 'error') return { role: 'error', error: hello.error }
  return undefined
}

function describeStartupError(error: unknown): string {
  const { message, stack } = (error && typeof error === 'object' ? error : {}) as { message?: unknown, stack?: unknown }
  const text = typeof stack === 'string' && stack ? stack : typeof message === 'string' && message ? message : 'the function failed to load (no message)'
  return text.length > STARTUP_ERROR_MAX_CHARS ? `${text.slice(0, STARTUP_ERROR_MAX_CHARS)}…` : text
}
