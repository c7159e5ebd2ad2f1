import type { InvocationLogEntry, LogEntry } from '../api/admin-api'

export interface RequestOrder {
  /** The next entry as the agent sent it; resolves once what it lets out is printed. */
  push: (entry: LogEntry) => Promise<void>
  /** Prints what is still held back (the end of the entries, or of the command). */
  flush: () => Promise<void>
}

/** Held back at most: beyond it the oldest invocation line goes out (a flood of calls that print nothing). */
const MAX_HELD = 100

/**
 * The people's view of `lambda logs`: a request's own lines before its invocation line, which sums it up.
 * The agent files that line when the request ends, and a line the function printed just before may reach it
 * a moment later (from another pipe, or Docker a few ms late), stamped and stored after it. So an invocation
 * line is held until an entry of another request comes (or the end, or `quietMs` without entries in a
 * follow), and its own request's lines that come meanwhile go out before it. Nothing else moves, and only
 * the human view is reordered (`--json` is the agent's stream as it is).
 */
export function requestOrder(print: (entry: LogEntry) => void | Promise<void>, opts: { quietMs?: number } = {}): RequestOrder {
  let held: InvocationLogEntry[] = []
  let timer: NodeJS.Timeout | undefined
  // One step at a time, in order: a step may wait for a slow stdout.
  let steps = Promise.resolve()
  const step = (task: () => Promise<void>) => (steps = steps.then(task))
  const release = async (count = held.length) => {
    clearTimeout(timer)
    const out = held.slice(0, count)
    held = held.slice(count)
    for (const entry of out) await print(entry)
  }
  return {
    push: entry => step(async () => {
      if (entry.type === 'invocation') {
        if (held.length >= MAX_HELD) await release(1)
        held.push(entry)
        clearTimeout(timer)
        if (opts.quietMs !== undefined) timer = setTimeout(() => void step(() => release()), opts.quietMs)
        return
      }
      // A late line of a held request goes before its invocation line, after those of the requests before
      // it; any other entry lets every held line out first.
      const own = entry.type === 'output' && entry.requestId !== null ? held.findIndex(h => h.requestId === entry.requestId) : -1
      await release(own === -1 ? held.length : own)
      await print(entry)
    }),
    flush: () => step(() => release()),
  }
}
