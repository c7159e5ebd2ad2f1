import type Dockerode from 'dockerode'
import type { Readable } from 'node:stream'
import { createLineSplitter } from '../../log/line-splitter'
import { withDockerDeadline } from './api-deadline'
import { CONTAINER_LABELS } from './container-spec'

/** Waits between attempts to follow Docker's events again (the engine restarted, the stream broke). */
const RETRY_MS = 1000

/**
 * Notices this agent's containers being paused behind its back (`docker pause`, or an earlier run
 * killed while it had them paused): a frozen instance takes requests into its socket and never
 * answers. Follows Docker's `pause` events for the agent's label, and on every (re)connect lists the
 * containers paused meanwhile; each is handed to the instance that registered it, which knows
 * whether it paused it itself.
 */
export class PauseWatch {
  private readonly handlers = new Map<string, () => void>()
  private stream?: Readable
  private aborter?: AbortController
  private retry?: NodeJS.Timeout
  private closed = false

  constructor(private readonly docker: Dockerode, private readonly agentId: string) {}

  /** Calls `onPaused` whenever the container is found paused; returns the unwatch. */
  watch(containerId: string, onPaused: () => void): () => void {
    this.handlers.set(containerId, onPaused)
    if (!this.stream && !this.retry) this.connect()
    return () => {
      if (this.handlers.get(containerId) === onPaused) this.handlers.delete(containerId)
      if (this.handlers.size === 0) this.disconnect()
    }
  }

  close(): void {
    this.closed = true
    this.handlers.clear()
    this.disconnect()
  }

  private connect() {
    if (this.closed || this.handlers.size === 0) return
    const aborter = new AbortController()
    this.aborter = aborter
    const label = `${CONTAINER_LABELS.agent}=${this.agentId}`
    withDockerDeadline('following Docker\'s events', () => this.docker.getEvents({ filters: { type: ['container'], event: ['pause'], label: [label] }, abortSignal: aborter.signal } as Dockerode.GetEventsOptions) as unknown as Promise<Readable>)
      .then(async (stream) => {
        if (aborter.signal.aborted) return void stream.destroy()
        this.stream = stream
        const splitter = createLineSplitter((line) => {
          try {
            const event = JSON.parse(line) as { id?: string, Actor?: { ID?: string } }
            this.found(event.Actor?.ID ?? event.id)
          }
          catch {}
        })
        stream.on('data', (chunk: Buffer) => splitter.push(chunk))
        stream.on('error', () => {})
        stream.once('close', () => this.reconnectLater(stream))
        stream.once('end', () => this.reconnectLater(stream))
        // Paused while no one was listening (before the first watch, while the engine restarted).
        const paused = await withDockerDeadline('listing paused containers', abortSignal => this.docker.listContainers({ filters: { status: ['paused'], label: [label] }, abortSignal })).catch(() => [])
        for (const container of paused) this.found(container.Id)
      })
      .catch(() => this.reconnectLater(undefined))
  }

  private found(id: string | undefined) {
    const handler = id === undefined ? undefined : this.handlers.get(id)
    handler?.()
  }

  private reconnectLater(stream: Readable | undefined) {
    if (stream && stream !== this.stream) return
    this.stream = undefined
    if (this.closed || this.handlers.size === 0 || this.retry) return
    this.retry = setTimeout(() => {
      this.retry = undefined
      this.connect()
    }, RETRY_MS)
    this.retry.unref()
  }

  private disconnect() {
    clearTimeout(this.retry)
    this.retry = undefined
    this.aborter?.abort()
    this.aborter = undefined
    const stream = this.stream
    this.stream = undefined
    stream?.destroy()
  }
}
