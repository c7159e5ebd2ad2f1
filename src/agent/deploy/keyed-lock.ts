/**
 * One operation at a time per key (a function name); different keys run in parallel.
 * Two deploys of one function therefore queue instead of racing to two current versions.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>(resolve => (release = resolve))
    const tail = previous.then(() => mine)
    this.tails.set(key, tail)
    await previous
    try {
      return await task()
    }
    finally {
      release()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }

  /** Keys with an operation running or waiting right now. */
  held(): string[] {
    return [...this.tails.keys()]
  }

  /** Holds every key's lock (taken in sorted order, so two callers can never wait on each other). */
  runAll<T>(keys: string[], task: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort()
    const step = (index: number): Promise<T> => index === sorted.length ? task() : this.run(sorted[index]!, () => step(index + 1))
    return step(0)
  }
}
