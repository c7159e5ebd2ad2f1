import type { Cron } from 'croner'
import type { ScheduleRunRecord } from '../../store/records'
import type { ScheduleDefinition } from './schedule-definition'
import { randomUUID } from 'node:crypto'
import { parseCron } from '../../config/schema/schedule'
import { CronTimer } from './cron-timer'

export type RunTrigger = ScheduleRunRecord['trigger']

/** One run about to start: the id the function sees as its request id, and when it was due. */
export interface DueRun {
  id: string
  definition: ScheduleDefinition
  scheduledAt: Date
  trigger: RunTrigger
}

export interface ScheduleRunnerHooks {
  /** Runs it (calls the function) and says how it went; never rejects. */
  execute: (run: DueRun) => Promise<ScheduleRunRecord>
  /** Every run's record, skipped ones included, once it is over. */
  record: (run: ScheduleRunRecord) => void
  /** A run starts (after the overlap rule let it): the scheduler records it as running. */
  started?: (run: DueRun, startedAt: Date) => void
  /** A scheduled time came (before its run starts, or is skipped). */
  onDue?: (scheduledAt: Date, trigger: RunTrigger) => void
}

interface Queued {
  run: DueRun
  resolve: (record: ScheduleRunRecord) => void
}

/**
 * One schedule in motion: its timer, and its overlap rule between runs. `skip`: a time that comes
 * while a run is going is recorded as skipped. `allow`: runs in parallel. `queue`: it starts as soon
 * as the running one ends; at most one waits, further ones are skipped. The same for the agent and
 * `lambda dev`; what a run does and where records go are the hooks'.
 */
export class ScheduleRunner {
  definition: ScheduleDefinition
  private readonly cron: Cron
  private readonly timer: CronTimer
  private readonly hooks: ScheduleRunnerHooks
  private running = 0
  private queued?: Queued
  private stopped = false

  constructor(definition: ScheduleDefinition, hooks: ScheduleRunnerHooks) {
    this.definition = definition
    this.hooks = hooks
    // Expression and time zone never change for a schedule: they are part of what it is (its id).
    this.cron = parseCron(definition.cron, definition.timezone)
    this.timer = new CronTimer(this.cron, (scheduledAt) => {
      void this.fire(scheduledAt, 'schedule')
    })
  }

  get firing(): boolean {
    return this.timer.running
  }

  /** Runs going now, and whether one waits (overlap: queue). */
  activity(): { running: number, queued: boolean } {
    return { running: this.running, queued: this.queued !== undefined }
  }

  /** The next `count` times (in the schedule's time zone, as instants). */
  nextRuns(count: number, after = new Date()): Date[] {
    return this.cron.nextRuns(count, after)
  }

  /** The latest time it was due at or before `before`, or undefined. */
  previousRun(before = new Date()): Date | undefined {
    return this.cron.previousRuns(1, before)[0]
  }

  /** Starts firing at its times (from now on). */
  start(): void {
    this.stopped = false
    if (!this.timer.running) this.timer.start()
  }

  /** Stops firing; runs going finish, one waiting in the queue is recorded as skipped. */
  pause(reason = 'the schedule was paused'): void {
    this.timer.stop()
    const queued = this.queued
    this.queued = undefined
    if (queued) queued.resolve(this.skipped(queued.run, reason))
  }

  /** For good: nothing new starts, not even from the queue. */
  stop(reason = 'the schedule was removed'): void {
    this.stopped = true
    this.pause(reason)
  }

  /** One run, due at `scheduledAt`, under the overlap rule; resolves with its record once it is over. */
  fire(scheduledAt: Date, trigger: RunTrigger): Promise<ScheduleRunRecord> {
    const run: DueRun = { id: randomUUID(), definition: this.definition, scheduledAt, trigger }
    this.hooks.onDue?.(scheduledAt, trigger)
    if (this.stopped) return Promise.resolve(this.skipped(run, 'the schedule was removed'))
    const { overlap } = this.definition
    if (this.running > 0 && overlap !== 'allow') {
      if (overlap === 'queue' && !this.queued) return new Promise(resolve => (this.queued = { run, resolve }))
      return Promise.resolve(this.skipped(run, overlap === 'queue' ? 'a run was going and another was already queued' : 'the previous run was still going'))
    }
    return this.run(run)
  }

  private async run(run: DueRun): Promise<ScheduleRunRecord> {
    this.running++
    this.hooks.started?.(run, new Date())
    let record: ScheduleRunRecord
    try {
      record = await this.hooks.execute(run)
    }
    catch (error) {
      record = { ...this.base(run), outcome: 'error', error: { code: 'SCHEDULE_RUN_FAILED', message: String((error as Error)?.message ?? error) } }
    }
    finally {
      this.running--
    }
    this.hooks.record(record)
    const queued = this.queued
    if (queued && this.running === 0 && !this.stopped) {
      this.queued = undefined
      void this.run(queued.run).then(queued.resolve)
    }
    return record
  }

  private base(run: DueRun) {
    return { id: run.id, schedule: run.definition.id, function: run.definition.function, trigger: run.trigger, scheduledAt: run.scheduledAt.toISOString() }
  }

  private skipped(run: DueRun, reason: string): ScheduleRunRecord {
    const record: ScheduleRunRecord = { ...this.base(run), outcome: 'skipped', reason }
    this.hooks.record(record)
    return record
  }
}
