import type { InvocationRecord } from '../proxy/invoke'

export type InvocationListener = (record: InvocationRecord) => void

/**
 * Whoever wants to know that an invocation ended (the access log, logs, metrics) listens here. The
 * gateway asks for `listener` per request: undefined while nobody listens, so no record is built.
 */
export class InvocationEvents {
  private listeners: InvocationListener[] = []
  private combined?: InvocationListener

  on(listener: InvocationListener): () => void {
    this.listeners = [...this.listeners, listener]
    this.combine()
    return () => {
      this.listeners = this.listeners.filter(l => l !== listener)
      this.combine()
    }
  }

  get listener(): InvocationListener | undefined {
    return this.combined
  }

  private combine() {
    const listeners = this.listeners
    this.combined = listeners.length === 0
      ? undefined
      : listeners.length === 1
        ? listeners[0]
        : (record) => {
            for (const listener of listeners) listener(record)
          }
  }
}
