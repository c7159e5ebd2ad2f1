import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../../fs/atomic-write'

/** A pid and the moment its process started (so a reused pid is never mistaken for ours). */
interface FrozenEntry {
  pid: number
  startTime: string
}

/** When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined when it is gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  }
  catch {
    return undefined
  }
}

/**
 * The instances this agent froze with SIGSTOP, written down in its data dir. A running child ends
 * with the agent (it watches its IPC channel), but a stopped one notices nothing: after a kill -9,
 * the next start of the agent reads this list and ends them.
 */
export class FrozenProcesses {
  private readonly entries = new Map<number, string>()
  private writing: Promise<void> = Promise.resolve()

  constructor(private readonly file: string) {}

  /** Ends the frozen instances an earlier run of this agent left behind; returns how many. */
  async endLeftovers(): Promise<number> {
    let listed: FrozenEntry[] = []
    try {
      listed = JSON.parse(await readFile(this.file, 'utf8')) as FrozenEntry[]
    }
    catch {}
    let ended = 0
    for (const entry of Array.isArray(listed) ? listed : []) {
      if (!Number.isInteger(entry?.pid) || startTimeOf(entry.pid) !== entry.startTime) continue
      try {
        process.kill(entry.pid, 'SIGKILL')
        ended++
      }
      catch {}
    }
    await this.save().catch(() => {})
    return ended
  }

  /**
   * Resolves once the list on disk says so (before a SIGSTOP, so a crash right after it leaves no stray).
   * Freezing rejects when the list could not be written (a full disk): the process must then not be
   * stopped, since nothing would end it after a kill -9 of the agent. A thaw never rejects.
   */
  async mark(pid: number, frozen: boolean): Promise<void> {
    const startTime = frozen ? startTimeOf(pid) : undefined
    if (startTime) this.entries.set(pid, startTime)
    else if (!this.entries.delete(pid)) return this.writing
    if (!frozen) return this.save().catch(() => {})
    await this.save().catch((error: unknown) => {
      this.entries.delete(pid)
      throw error
    })
  }

  private save(): Promise<void> {
    const list: FrozenEntry[] = [...this.entries].map(([pid, startTime]) => ({ pid, startTime }))
    // One write after another: the last one written is the latest list.
    const written = this.writing.then(() => writeFileAtomic(this.file, JSON.stringify(list), { durable: false, mode: 0o600 }))
    this.writing = written.catch(() => {})
    return written
  }
}
