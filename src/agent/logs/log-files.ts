import type { FileHandle } from 'node:fs/promises'
import { closeSync, mkdirSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import { join } from 'node:path'

export interface LogLimits {
  /** Bytes one function's log files may hold together. */
  maxBytes: number
  /** Entries older than this are removed (a whole file at a time). */
  maxAgeMs: number
}

export interface Segment {
  /** `seq` of its first entry; also its file name (`<seq>.ndjson`). */
  seq: number
  file: string
  /** Bytes written and complete (a reader never sees half a line). */
  bytes: number
  /** `seq` of its last entry: whether all of it is past the age limit. */
  lastSeq: number
}

const SEGMENT_RE = /^(\d{1,17})\.ndjson$/
/** An entry's `seq` is its time in microseconds, or one more than the last: it grows across restarts. */
export const seqTime = (seq: number) => Math.floor(seq / 1000)

/** The size a file is closed at: an eighth of the limit, so removing the oldest file frees little at a time. */
export const segmentBytesFor = (maxBytes: number) => Math.min(8 * 1024 * 1024, Math.max(4096, Math.floor(maxBytes / 8)))
/** A file is also closed once it spans this long, so age limits remove old entries without waiting for size. */
export const segmentAgeFor = (maxAgeMs: number) => Math.min(3_600_000, Math.max(1000, Math.floor(maxAgeMs / 8)))

/**
 * One function's log: newline-delimited JSON in `<dir>/<seq>.ndjson` files (mode 0600), appended in
 * batches, closed at a size or an age, and removed oldest first past the byte and age limits. Appends
 * wait in memory only up to a bound; past it the caller drops the entry (and says so).
 */
export class FunctionLogFiles {
  readonly dir: string
  private readonly limits: LogLimits
  private readonly segmentBytes: number
  private readonly segmentAgeMs: number
  private readonly maxPendingBytes: number
  private segments: Segment[] = []
  private handle?: FileHandle
  private handleFile?: string
  private pending: Array<{ seq: number, line: string }> = []
  private pendingBytes = 0
  private writing?: Promise<void>
  /** The newest entry queued, and the newest written (or given up on): what `flush` waits between. */
  private appendedSeq = 0
  private writtenSeq = 0
  private flushWaiters: Array<{ seq: number, resolve: () => void }> = []
  private closed = false
  lastSeq = 0

  /** Lists what an earlier run left (synchronously, once per function per start: a directory and each file's last 4 KB). */
  constructor(dir: string, limits: LogLimits) {
    this.dir = dir
    this.limits = limits
    this.segmentBytes = segmentBytesFor(limits.maxBytes)
    this.segmentAgeMs = segmentAgeFor(limits.maxAgeMs)
    this.maxPendingBytes = Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(limits.maxBytes / 4)))
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    for (const name of readdirSync(dir)) {
      const match = SEGMENT_RE.exec(name)
      if (!match) continue
      const file = join(dir, name)
      try {
        const seq = Number(match[1])
        this.segments.push({ seq, file, bytes: statSync(file).size, lastSeq: seq })
      }
      catch {}
    }
    this.segments.sort((a, b) => a.seq - b.seq)
    for (const [i, segment] of this.segments.entries()) {
      // Unknown (no whole entry in its last bytes): it may run up to where the next one starts.
      segment.lastSeq = readLastSeq(segment) ?? Math.max(segment.seq, (this.segments[i + 1]?.seq ?? segment.seq + 1) - 1)
    }
    this.lastSeq = Math.max(0, ...this.segments.map(segment => segment.lastSeq))
    // What an earlier run wrote is on disk: `flush` must cover it, or a reader after a restart sees nothing until the next line.
    this.appendedSeq = this.lastSeq
    this.writtenSeq = this.lastSeq
  }

  /** The next entry's number: its time in µs, or one more than the last (a clock that went back). */
  nextSeq(now = Date.now()): number {
    this.lastSeq = Math.max(this.lastSeq + 1, now * 1000)
    return this.lastSeq
  }

  /** Queues one line (ending in `\n`); false when the backlog is full and the line must be dropped. */
  append(seq: number, line: string): boolean {
    if (this.closed) return false
    const bytes = Buffer.byteLength(line)
    if (this.pendingBytes + bytes > this.maxPendingBytes) return false
    this.pending.push({ seq, line })
    this.pendingBytes += bytes
    this.appendedSeq = seq
    this.scheduleWrite()
    return true
  }

  /** One writer at a time, a tick after the first append (lines of one tick go in one write). */
  private scheduleWrite() {
    if (this.writing) return
    this.writing = new Promise<void>(resolve => setImmediate(resolve)).then(() => this.writeAll()).finally(() => {
      this.writing = undefined
      // Appended between the writer's last look and its end.
      if (this.pending.length > 0) this.scheduleWrite()
    })
  }

  /**
   * Resolves once everything appended so far is on disk (even while a flood keeps appending more),
   * with the `seq` up to which the files are complete.
   */
  flush(): Promise<number> {
    const target = this.appendedSeq
    if (this.writtenSeq >= target || !this.writing) return Promise.resolve(target)
    return new Promise(resolve => this.flushWaiters.push({ seq: target, resolve: () => resolve(target) }))
  }

  /** The files, oldest first, as complete as written so far. */
  list(): Segment[] {
    return this.segments.map(segment => ({ ...segment }))
  }

  get totalBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.bytes, 0)
  }

  /** Removes files wholly older than the age limit, and the oldest while over the byte limit. */
  async prune(now = Date.now()): Promise<void> {
    await this.flush()
    const cutoff = now - this.limits.maxAgeMs
    while (this.segments.length > 0 && seqTime(this.segments[0]!.lastSeq) < cutoff) await this.removeOldest()
    await this.pruneSize()
  }

  async close(): Promise<void> {
    // Nothing is taken any more, so the writer writes what waits and stops.
    this.closed = true
    if (this.pending.length > 0) this.scheduleWrite()
    while (this.writing) await this.writing
    await this.closeHandle()
  }

  private async writeAll() {
    while (this.pending.length > 0) {
      // A batch never crosses the size a file is closed at, so no file outgrows it.
      const batch: string[] = []
      let bytes = 0
      const first = this.pending[0]!.seq
      const room = Math.max(1, this.segmentBytes)
      let taken = 0
      let last = first
      for (const entry of this.pending) {
        const size = Buffer.byteLength(entry.line)
        if (taken > 0 && (bytes + size > room || seqTime(entry.seq) - seqTime(first) >= this.segmentAgeMs)) break
        batch.push(entry.line)
        bytes += size
        last = entry.seq
        taken++
      }
      this.pending = this.pending.slice(taken)
      this.pendingBytes -= bytes
      try {
        const segment = await this.segmentFor(first, bytes)
        await this.handle!.write(batch.join(''))
        segment.bytes += bytes
        segment.lastSeq = last
      }
      catch {
        // Disk full, folder removed: these lines are lost, the next batch tries again with a fresh file.
        await this.closeHandle()
      }
      await this.pruneSize()
      this.written(last)
    }
    this.written(this.appendedSeq)
  }

  private written(seq: number) {
    this.writtenSeq = Math.max(this.writtenSeq, seq)
    const done = this.flushWaiters.filter(waiter => waiter.seq <= this.writtenSeq)
    if (done.length === 0) return
    this.flushWaiters = this.flushWaiters.filter(waiter => waiter.seq > this.writtenSeq)
    for (const waiter of done) waiter.resolve()
  }

  /** The open file to append `bytes` to, closing the current one when it is full or old. */
  private async segmentFor(firstSeq: number, bytes: number): Promise<Segment> {
    const active = this.segments[this.segments.length - 1]
    const fits = active && active.bytes + bytes <= this.segmentBytes && seqTime(firstSeq) - seqTime(active.seq) < this.segmentAgeMs
    if (active && (fits || active.bytes === 0)) {
      if (this.handleFile !== active.file) {
        await this.closeHandle()
        this.handle = await open(active.file, 'a', 0o600)
        this.handleFile = active.file
      }
      return active
    }
    await this.closeHandle()
    const file = join(this.dir, `${firstSeq}.ndjson`)
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    this.handle = await open(file, 'a', 0o600)
    this.handleFile = file
    const segment = { seq: firstSeq, file, bytes: 0, lastSeq: firstSeq }
    this.segments.push(segment)
    return segment
  }

  private async pruneSize() {
    while (this.segments.length > 1 && this.totalBytes > this.limits.maxBytes) await this.removeOldest()
  }

  private async removeOldest() {
    const oldest = this.segments.shift()
    if (!oldest) return
    if (this.handleFile === oldest.file) await this.closeHandle()
    await unlink(oldest.file).catch(() => {})
  }

  private async closeHandle() {
    const handle = this.handle
    this.handle = undefined
    this.handleFile = undefined
    await handle?.close().catch(() => {})
  }
}

/** The `seq` of a file's last entry, read from its last 4 KB (an earlier run's file); undefined if none is whole there. */
function readLastSeq(segment: Segment): number | undefined {
  const length = Math.min(segment.bytes, 4096)
  if (length === 0) return undefined
  const buffer = Buffer.alloc(length)
  try {
    const fd = openSync(segment.file, 'r')
    try {
      readSync(fd, buffer, 0, length, segment.bytes - length)
    }
    finally {
      closeSync(fd)
    }
  }
  catch {
    return undefined
  }
  // `"seq":` with its quotes cannot occur inside a JSON string value (they would be escaped there).
  const seqs = [...buffer.toString('utf8').matchAll(/"seq":(\d+)/g)].map(m => Number(m[1]))
  return seqs.length > 0 ? Math.max(...seqs) : undefined
}
