import type { DroppedLogEntry, LogEntry } from '../../api/admin-api'
import type { InstanceOutput } from '../../providers/types'
import type { InvocationRecord } from '../../proxy/invoke'
import type { LogLimits } from './log-files'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { functionNameProblem } from '../../config/function-name'
import { parseAttributedLine } from '../../log/attributed-line'
import { FunctionLogFiles } from './log-files'
import { LineRateLimit } from './rate-limit'

export interface LogServiceOptions extends LogLimits {
  /** `<data-dir>/logs`. */
  dir: string
  /** Lines a second one function may print, bursts up to one second's worth; the agent's own invocation entries do not count. */
  rate: number
}

/** Someone following a function's log live. */
export interface LogFollower {
  /** Called for every new entry of the function, with its stored line. */
  push: (entry: LogEntry, line: string) => void
  /** The agent stops: the follower's stream ends (the client reconnects). */
  end: () => void
}

interface FunctionLog {
  files: FunctionLogFiles
  limit: LineRateLimit
  /** Lines the backlog to disk refused since the last marker. */
  backlogDropped: number
  /** The version of the last line, for the marker of dropped lines. */
  lastVersion: number
  followers: Set<LogFollower>
}

/**
 * The agent's logs: every instance's output and one entry per invocation, stored per function
 * (FunctionLogFiles) and handed to live followers. A function over its line rate loses lines, and a
 * marker says how many; nothing waits in memory beyond fixed bounds.
 */
export class LogService {
  private readonly logs = new Map<string, FunctionLog>()
  /** Functions whose log folder could not be made, and when: not retried for every line. */
  private readonly unwritable = new Map<string, number>()
  private readonly options: LogServiceOptions
  private readonly timer: NodeJS.Timeout
  private pruning?: Promise<void>
  private lastPrune = 0
  private closed = false

  constructor(options: LogServiceOptions) {
    this.options = options
    // Markers for dropped lines, and the age limit, checked once a second.
    this.timer = setInterval(() => this.tick(), 1000)
    this.timer.unref()
  }

  /** Opens the logs an earlier run left, so their age limit applies even to functions that never log again. */
  openExisting(): void {
    let names: string[] = []
    try {
      names = readdirSync(this.options.dir)
    }
    catch {}
    for (const name of names) {
      if (!functionNameProblem(name)) this.logOf(name)
    }
  }

  /** Whether the function has logged, now or in an earlier run. */
  has(name: string): boolean {
    return this.logs.has(name)
  }

  filesOf(name: string): FunctionLogFiles | undefined {
    return this.logs.get(name)?.files
  }

  /** A line an instance printed: its request mark is taken off and becomes the entry's `requestId`. */
  collect(output: InstanceOutput): void {
    const log = this.logOf(output.function)
    if (!log) return
    log.lastVersion = output.version
    const now = Date.now()
    if (!log.limit.allow(now)) return
    const { requestId, text } = parseAttributedLine(output.line)
    this.add(output.function, log, now, seq => ({
      seq,
      time: new Date(output.time ?? now).toISOString(),
      type: 'output',
      function: output.function,
      version: output.version,
      instance: output.instance,
      stream: output.stream,
      requestId: requestId ?? null,
      message: output.cutBytes > 0 ? `${text} … [${output.cutBytes} more bytes cut]` : text,
    }))
  }

  /**
   * The gateway's record of one invocation. Not held to the function's line rate: that limits what the
   * function prints, and a busy function that prints nothing must not be told it printed too much (the
   * backlog bound still applies).
   */
  recordInvocation(record: InvocationRecord): void {
    const log = this.logOf(record.function)
    if (!log) return
    const now = Date.now()
    const version = Number(record.version)
    log.lastVersion = version
    this.add(record.function, log, now, seq => ({
      seq,
      time: new Date(now).toISOString(),
      type: 'invocation',
      function: record.function,
      version,
      requestId: record.requestId,
      method: record.method,
      path: record.path,
      status: record.status,
      durationMs: Math.round(record.durationMs * 100) / 100,
      coldStart: record.coldStart,
      ...(record.error ? { error: record.error } : {}),
    }))
  }

  /** Live entries of `name` from now on; returns the unsubscribe. */
  follow(name: string, follower: LogFollower): () => void {
    const log = this.logOf(name)
    if (!log) return () => {}
    log.followers.add(follower)
    return () => log.followers.delete(follower)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    for (const log of this.logs.values()) {
      for (const follower of log.followers) follower.end()
      log.followers.clear()
    }
    await this.pruning?.catch(() => {})
    await Promise.all([...this.logs.values()].map(log => log.files.close().catch(() => {})))
  }

  private logOf(name: string): FunctionLog | undefined {
    let log = this.logs.get(name)
    if (log || this.closed) return log
    if (Date.now() - (this.unwritable.get(name) ?? 0) < 60_000) return undefined
    try {
      log = {
        files: new FunctionLogFiles(join(this.options.dir, name), this.options),
        limit: new LineRateLimit(this.options.rate),
        backlogDropped: 0,
        lastVersion: 0,
        followers: new Set(),
      }
    }
    catch {
      // The logs folder cannot be made (disk, permissions): the function runs on, unlogged for a minute.
      this.unwritable.set(name, Date.now())
      return undefined
    }
    this.logs.set(name, log)
    return log
  }

  private add(name: string, log: FunctionLog, now: number, make: (seq: number) => LogEntry) {
    const seq = log.files.nextSeq(now)
    const entry = make(seq)
    const line = `${JSON.stringify(entry)}\n`
    if (!log.files.append(seq, line)) {
      log.backlogDropped++
      return
    }
    for (const follower of log.followers) follower.push(entry, line)
  }

  /** Once a second while lines are dropped: how many were, and why (one marker, not one per gap). */
  private reportDropped(name: string, log: FunctionLog, now: number) {
    const byRate = log.limit.dropped > 0 ? log.limit.takeDropped() : 0
    const byBacklog = log.backlogDropped
    log.backlogDropped = 0
    for (const [count, reason] of [[byRate, 'rate'], [byBacklog, 'backlog']] as const) {
      if (count === 0) continue
      const message = reason === 'rate'
        ? `${count} lines dropped: the function printed more than ${this.options.rate} lines a second (--log-rate)`
        : `${count} lines dropped: the disk did not keep up with the function's output`
      this.add(name, log, now, (seq): DroppedLogEntry => ({ seq, time: new Date(now).toISOString(), type: 'dropped', function: name, version: log.lastVersion, count, reason, message }))
    }
  }

  private tick() {
    const now = Date.now()
    for (const [name, log] of this.logs) {
      if (log.limit.dropped > 0 || log.backlogDropped > 0) this.reportDropped(name, log, now)
    }
    if (this.pruning || now - this.lastPrune < 60_000) return
    this.lastPrune = now
    this.pruning = Promise.all([...this.logs.values()].map(log => log.files.prune(now).catch(() => {}))).then(() => {}).finally(() => (this.pruning = undefined))
  }
}
