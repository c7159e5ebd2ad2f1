import type { Storage } from 'unstorage'
import type { CliScheduleRecord, ScheduleRunRecord, ScheduleStateRecord } from './records'

/** Runs kept per schedule; older ones are removed as new ones come. */
export const SCHEDULE_RUNS_KEPT = 100

const cliKey = (id: string) => `schedules:${id}`
const stateKey = (id: string) => `schedule-state:${id}`
const runsBase = (id: string) => `schedule-runs:${id}`
// Zero-padded, so the keys of one schedule sort in the order the runs were recorded.
const runKey = (id: string, seq: number) => `${runsBase(id)}:${String(seq).padStart(12, '0')}`
const seqOf = (key: string) => Number(key.slice(key.lastIndexOf(':') + 1))

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Schedules added with the CLI, the state of every schedule (paused, last run time) and the runs of
 * each. A run is one small record of its own: recording one never rewrites the history, and the
 * oldest is removed once a schedule has more than SCHEDULE_RUNS_KEPT. Writes for one schedule are
 * made one after another, in the order they were asked for.
 */
export function createScheduleStore(storage: Storage) {
  const tails = new Map<string, Promise<unknown>>()
  const inOrder = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task, task)
    const tail = run.catch(() => {})
    tails.set(key, tail)
    void tail.then(() => tails.get(key) === tail && tails.delete(key))
    return run
  }
  /** Sequence numbers of each schedule's stored runs, oldest first: read once, then kept up to date. */
  const runSeqs = new Map<string, number[]>()
  const seqsOf = async (id: string): Promise<number[]> => {
    let seqs = runSeqs.get(id)
    if (!seqs) {
      seqs = (await storage.getKeys(runsBase(id))).map(seqOf).filter(Number.isSafeInteger).sort((a, b) => a - b)
      runSeqs.set(id, seqs)
    }
    return seqs
  }

  /** Appends a run and removes the oldest beyond SCHEDULE_RUNS_KEPT; resolves with the run's sequence number. */
  const appendRun = (run: ScheduleRunRecord) => inOrder(runsBase(run.schedule), async () => {
    const seqs = await seqsOf(run.schedule)
    const seq = (seqs.at(-1) ?? 0) + 1
    await storage.setItem(runKey(run.schedule, seq), run)
    seqs.push(seq)
    for (const old of seqs.splice(0, Math.max(0, seqs.length - SCHEDULE_RUNS_KEPT))) await storage.removeItem(runKey(run.schedule, old))
    return seq
  })

  return {
    async listCli(): Promise<CliScheduleRecord[]> {
      const keys = await storage.getKeys('schedules')
      const records = await Promise.all(keys.map(key => storage.getItem<CliScheduleRecord>(key)))
      return records.filter((r): r is CliScheduleRecord => isRecord(r) && typeof r.id === 'string').sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    },
    putCli: (record: CliScheduleRecord) => inOrder(cliKey(record.id), () => storage.setItem(cliKey(record.id), record)),
    removeCli: (id: string) => inOrder(cliKey(id), () => storage.removeItem(cliKey(id))),

    getState: (id: string) => storage.getItem<ScheduleStateRecord>(stateKey(id)).then(r => isRecord(r) ? r : null),
    async listStates(): Promise<ScheduleStateRecord[]> {
      const keys = await storage.getKeys('schedule-state')
      const records = await Promise.all(keys.map(key => storage.getItem<ScheduleStateRecord>(key)))
      return records.filter((r): r is ScheduleStateRecord => isRecord(r) && typeof r.id === 'string')
    },
    putState: (record: ScheduleStateRecord) => inOrder(stateKey(record.id), () => storage.setItem(stateKey(record.id), record)),
    removeState: (id: string) => inOrder(stateKey(id), () => storage.removeItem(stateKey(id))),

    /** Appends a run, then removes the oldest beyond SCHEDULE_RUNS_KEPT. */
    addRun: async (run: ScheduleRunRecord) => void await appendRun(run),
    /**
     * Records a run as it starts (outcome `running`), so one the agent's stop cuts short is on record; resolves
     * with what `endRun` needs to replace it by how it ended.
     */
    startRun: appendRun,
    /** Replaces a started run by how it ended (unless it has been pruned meanwhile). */
    endRun: (run: ScheduleRunRecord, seq: number) => inOrder(runsBase(run.schedule), async () => {
      if ((await seqsOf(run.schedule)).includes(seq)) await storage.setItem(runKey(run.schedule, seq), run)
    }),
    /** The newest runs first, at most `limit`. */
    listRuns: (id: string, limit = SCHEDULE_RUNS_KEPT) => inOrder(runsBase(id), async () => {
      const seqs = (await seqsOf(id)).slice(-limit).reverse()
      const runs = await Promise.all(seqs.map(seq => storage.getItem<ScheduleRunRecord>(runKey(id, seq))))
      return runs.filter((r): r is ScheduleRunRecord => isRecord(r))
    }),
    removeRuns: (id: string) => inOrder(runsBase(id), async () => {
      for (const seq of await seqsOf(id)) await storage.removeItem(runKey(id, seq))
      runSeqs.delete(id)
    }),
    /** Resolves once every write asked for so far is done (before the store closes). */
    idle: async () => {
      while (tails.size > 0) await Promise.all(tails.values())
    },
    /** Every schedule id that has a state or runs stored: what pruning looks at. */
    async storedIds(): Promise<string[]> {
      const keys = [...await storage.getKeys('schedule-state'), ...await storage.getKeys('schedule-runs')]
      return [...new Set(keys.map(key => key.split(':')[1]!).filter(Boolean))]
    },
  }
}

export type ScheduleStore = ReturnType<typeof createScheduleStore>
