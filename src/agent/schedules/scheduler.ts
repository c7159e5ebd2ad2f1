import type { AddScheduleRequest, ScheduleHistoryResponse, ScheduleListing } from '../../api/admin-api'
import type { CliScheduleRecord, ScheduleRunRecord, ScheduleStateRecord } from '../../store/records'
import type { ScheduleStore } from '../../store/schedule-store'
import type { ServingTable } from '../serving-table'
import type { ScheduleDefinition } from './schedule-definition'
import type { DueRun, RunTrigger } from './schedule-runner'
import { MAX_SCHEDULES_PER_FUNCTION } from '../../config/schema/schedule'
import { LambdaError } from '../../errors'
import { KeyedLock } from '../deploy/keyed-lock'
import { functionNotFound } from '../routes/not-found'
import { cliSchedule, configSchedules } from './schedule-definition'
import { scheduleDisabled, scheduleFromConfig, scheduleNotFound } from './schedule-errors'
import { newCliScheduleId } from './schedule-ids'
import { ScheduleRunner } from './schedule-runner'

export interface SchedulerOptions {
  store: ScheduleStore
  serving: ServingTable
  /** Calls the function for a run; never rejects. */
  execute: (run: DueRun) => Promise<ScheduleRunRecord>
  /** Every run once it is over (the agent logs it). */
  onRun?: (run: ScheduleRunRecord) => void
  /** What went wrong in the background (a state the disk refused). */
  warn?: (line: string) => void
}

const NEXT_RUNS_SHOWN = 3

/** How long a stop waits for schedule runs going to end (and be recorded) before the instances stop. */
const STOP_GRACE_MS = 5000
/** Listings show a function's config schedules before those added with the CLI. */
const SOURCE_ORDER = { config: 0, cli: 1 } as const
const PRUNE_KEY = '\0prune'

/**
 * Every schedule of the agent, firing. Config schedules come from each function's serving version,
 * so they follow deploys, rollbacks and release rollbacks by themselves; CLI schedules are stored
 * and kept across deploys. Pauses, the last time each schedule was due and the run history live in
 * the store, so after a restart (even a kill -9) each schedule goes on at its next time, and one
 * with `catchUp` runs once for the times it missed.
 */
export class Scheduler {
  private readonly runners = new Map<string, ScheduleRunner>()
  private readonly states = new Map<string, ScheduleStateRecord>()
  private readonly cli = new Map<string, CliScheduleRecord>()
  private readonly lastRuns = new Map<string, ScheduleRunRecord>()
  /** Runs going now, by id: where their `running` record is (see startRun). */
  private readonly inFlight = new Map<string, Promise<number | undefined>>()
  /** One change at a time per function (and one prune at a time). */
  private readonly locks = new KeyedLock()
  private readonly options: SchedulerOptions
  private unsubscribe?: () => void
  private closed = false

  constructor(options: SchedulerOptions) {
    this.options = options
  }

  /** Loads what the store holds, catches up where asked, and starts every active schedule. */
  async start(): Promise<void> {
    const { store, serving } = this.options
    for (const state of await store.listStates()) this.states.set(state.id, state)
    for (const record of await store.listCli()) this.cli.set(record.id, record)
    const names = new Set([...serving.names(), ...[...this.cli.values()].map(r => r.function)])
    const startedAt = new Date()
    for (const name of names) await this.sync(name, { startup: startedAt })
    await this.prune()
    this.unsubscribe = serving.onChange((name, change) => {
      void (change === 'removed' ? this.removeFunction(name) : this.sync(name).then(() => this.prune()))
        .catch(error => this.options.warn?.(`Schedules of ${name} could not be brought up to date: ${(error as Error).message}`))
    })
  }

  /**
   * Stops every timer and gives the runs still going a moment (STOP_GRACE_MS) to end and be recorded; a run
   * that outlasts it stays on record as `running`, which reads as `interrupted` from the next start on.
   */
  async close(): Promise<void> {
    this.unsubscribe?.()
    for (const runner of this.runners.values()) runner.pause()
    const deadline = Date.now() + STOP_GRACE_MS
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    this.closed = true
    await this.options.store.idle()
  }

  async list(fn?: string): Promise<ScheduleListing[]> {
    const runners = [...this.runners.values()]
      .filter(runner => fn === undefined || runner.definition.function === fn)
      .sort((a, b) => a.definition.function.localeCompare(b.definition.function) || SOURCE_ORDER[a.definition.source] - SOURCE_ORDER[b.definition.source] || a.definition.id.localeCompare(b.definition.id))
    await Promise.all(runners.map(runner => this.loadLastRun(runner.definition.id)))
    return runners.map(runner => this.describe(runner))
  }

  async get(id: string): Promise<ScheduleListing> {
    const runner = this.runner(id)
    await this.loadLastRun(id)
    return this.describe(runner)
  }

  /** Adds a schedule to a deployed function (source `cli`); it outlives deploys, until removed. */
  async add(request: Required<Omit<AddScheduleRequest, 'payload'>> & Pick<AddScheduleRequest, 'payload'>): Promise<ScheduleListing> {
    const { serving, store } = this.options
    const name = request.function
    return this.locks.run(name, async () => {
      if (!serving.get(name)) throw functionNotFound(name, serving.names())
      const own = [...this.cli.values()].filter(r => r.function === name).length
      if (own >= MAX_SCHEDULES_PER_FUNCTION) {
        throw new LambdaError({
          code: 'TOO_MANY_SCHEDULES',
          status: 409,
          message: `"${name}" already has ${own} schedules added with the CLI; the limit is ${MAX_SCHEDULES_PER_FUNCTION}.`,
          hint: 'Remove one first (`lambda schedule rm <id>`), or merge them into fewer cron expressions (lists like \'0 6,18 * * *\').',
        })
      }
      const record: CliScheduleRecord = {
        id: newCliScheduleId(),
        function: name,
        cron: request.cron,
        timezone: request.timezone,
        ...(request.payload === undefined ? {} : { payload: request.payload }),
        overlap: request.overlap,
        catchUp: request.catchUp,
        createdAt: new Date().toISOString(),
      }
      await store.putCli(record)
      this.cli.set(record.id, record)
      await this.apply(cliSchedule(record), {})
      return this.describe(this.runner(record.id))
    })
  }

  /** Removes a CLI schedule with its history; config schedules change with a deploy. */
  async remove(id: string): Promise<{ id: string, function: string, removed: true }> {
    const { definition } = this.runner(id)
    if (definition.source === 'config') throw scheduleFromConfig(id, definition.function, 'removed')
    return this.locks.run(definition.function, async () => {
      await this.forget(id)
      return { id, function: definition.function, removed: true as const }
    })
  }

  async pause(id: string): Promise<ScheduleListing> {
    const runner = this.runner(id)
    return this.locks.run(runner.definition.function, async () => {
      await this.saveState({ ...this.stateOf(runner.definition), paused: true })
      runner.pause()
      return this.describe(runner)
    })
  }

  async resume(id: string): Promise<ScheduleListing> {
    const runner = this.runner(id)
    if (!runner.definition.enabled) throw scheduleDisabled(id, runner.definition.function)
    return this.locks.run(runner.definition.function, async () => {
      // Nothing before now counts as missed: a pause is not downtime.
      await this.saveState({ ...this.stateOf(runner.definition), paused: false, activeSince: new Date().toISOString() })
      runner.start()
      return this.describe(runner)
    })
  }

  /** Runs it once now (paused or not), under its overlap rule; resolves with the run once it is over. */
  runNow(id: string): Promise<ScheduleRunRecord> {
    return this.runner(id).fire(new Date(), 'manual')
  }

  async history(id: string, limit?: number): Promise<ScheduleHistoryResponse> {
    const runner = this.runners.get(id)
    const runs = (await this.options.store.listRuns(id, limit)).map(run => this.asKnown(run))
    // A config schedule no longer defined keeps its history while a kept version defines it.
    if (!runner && runs.length === 0) throw scheduleNotFound(id)
    return { schedule: runner ? this.describe(runner) : null, runs }
  }

  /** The last run, for listings: from memory once a run happened since the start, else from the store. */
  private async loadLastRun(id: string): Promise<void> {
    if (this.lastRuns.has(id)) return
    const [last] = await this.options.store.listRuns(id, 1)
    if (last && !this.lastRuns.has(id)) this.lastRuns.set(id, this.asKnown(last))
  }

  /** A run on record as `running` that this agent is not running was cut short by an earlier stop. */
  private asKnown(run: ScheduleRunRecord): ScheduleRunRecord {
    if (run.outcome !== 'running' || this.inFlight.has(run.id)) return run
    return { ...run, outcome: 'interrupted', reason: 'the agent stopped (a kill, a crash or a stop) before the run ended; it was not run again' }
  }

  private runner(id: string): ScheduleRunner {
    const runner = this.runners.get(id)
    if (!runner) throw scheduleNotFound(id)
    return runner
  }

  /** Makes the schedules of `name` those of its serving version plus its CLI ones. */
  private sync(name: string, opts: { startup?: Date } = {}): Promise<void> {
    return this.locks.run(name, async () => {
      if (this.closed) return
      const entry = this.options.serving.get(name)
      const wanted = [
        ...(entry ? configSchedules(name, entry.version.config.schedule, entry.version.number) : []),
        ...[...this.cli.values()].filter(r => r.function === name).map(cliSchedule),
      ]
      const ids = new Set(wanted.map(d => d.id))
      for (const [id, runner] of this.runners) {
        if (runner.definition.function !== name || ids.has(id)) continue
        runner.stop('the schedule is no longer defined: a deploy or rollback replaced it')
        this.runners.delete(id)
      }
      for (const definition of wanted) await this.apply(definition, opts)
    })
  }

  /** Creates or updates the runner of one schedule and starts or stops it as its state says. */
  private async apply(definition: ScheduleDefinition, opts: { startup?: Date }): Promise<void> {
    let runner = this.runners.get(definition.id)
    if (runner) {
      runner.definition = definition
    }
    else {
      runner = new ScheduleRunner(definition, this.hooks(definition))
      this.runners.set(definition.id, runner)
    }
    const stored = this.states.get(definition.id)
    if (!definition.enabled || stored?.paused) return runner.pause()
    if (runner.firing) return
    const now = new Date()
    if (!stored || !opts.startup) {
      // New, or active again (a deploy or rollback brought it back): nothing before now was missed. A state
      // the disk refuses does not stop the schedule (nor the agent's start): it fires, and is saved next time.
      await this.saveState({ ...this.stateOf(definition), activeSince: now.toISOString() })
        .catch(error => this.options.warn?.(`The state of schedule ${definition.id} could not be saved: ${(error as Error).message}`))
    }
    else if (definition.catchUp) {
      this.catchUp(runner, stored, opts.startup)
    }
    runner.start()
  }

  /** One run for the times missed while the agent was down: the latest of them, if any. */
  private catchUp(runner: ScheduleRunner, state: ScheduleStateRecord, startedAt: Date): void {
    const handled = Math.max(Date.parse(state.activeSince) || 0, Date.parse(state.lastScheduledAt ?? '') || 0)
    const missed = runner.previousRun(startedAt)
    if (missed && missed.getTime() > handled) void runner.fire(missed, 'catch-up')
  }

  private hooks({ id, source }: ScheduleDefinition) {
    return {
      execute: this.options.execute,
      onDue: (scheduledAt: Date, trigger: RunTrigger) => {
        const runner = this.runners.get(id)
        if (trigger === 'manual' || !runner || this.closed) return
        void this.saveState({ ...this.stateOf(runner.definition), lastScheduledAt: scheduledAt.toISOString() }).catch(() => {})
      },
      started: (run: DueRun, startedAt: Date) => {
        if (this.closed) return
        const record: ScheduleRunRecord = { id: run.id, schedule: id, function: run.definition.function, trigger: run.trigger, scheduledAt: run.scheduledAt.toISOString(), startedAt: startedAt.toISOString(), outcome: 'running' }
        this.inFlight.set(run.id, this.options.store.startRun(record).catch(() => undefined))
      },
      record: (run: ScheduleRunRecord) => {
        const started = this.inFlight.get(run.id)
        this.inFlight.delete(run.id)
        // A run that ends after its CLI schedule was removed has no history to go to.
        if (this.closed || (source === 'cli' && !this.cli.has(id))) return
        this.lastRuns.set(id, run)
        this.options.onRun?.(run)
        const store = this.options.store
        void (started ? started.then(seq => seq === undefined ? store.addRun(run) : store.endRun(run, seq)) : store.addRun(run)).catch(() => {})
      },
    }
  }

  private stateOf(definition: ScheduleDefinition): ScheduleStateRecord {
    const now = new Date().toISOString()
    return this.states.get(definition.id) ?? { id: definition.id, function: definition.function, paused: false, activeSince: now, updatedAt: now }
  }

  /** The in-memory copy changes at once (the next read sees it); the store keeps the writes in order. */
  private async saveState(state: ScheduleStateRecord): Promise<void> {
    const before = this.states.get(state.id)
    const updated = { ...state, updatedAt: new Date().toISOString() }
    this.states.set(state.id, updated)
    try {
      await this.options.store.putState(updated)
    }
    catch (error) {
      // Refused (a full disk): memory goes back to what the disk holds, as the caller's error says nothing changed.
      if (this.states.get(state.id) === updated) {
        if (before) this.states.set(state.id, before)
        else this.states.delete(state.id)
      }
      throw error
    }
  }

  private async forget(id: string): Promise<void> {
    const { store } = this.options
    this.runners.get(id)?.stop()
    this.runners.delete(id)
    this.cli.delete(id)
    this.states.delete(id)
    this.lastRuns.delete(id)
    await store.removeCli(id)
    await store.removeState(id)
    await store.removeRuns(id)
  }

  /** A deleted function takes its CLI schedules (and their history) with it. */
  private removeFunction(name: string): Promise<void> {
    return this.locks.run(name, async () => {
      for (const [id, runner] of [...this.runners]) {
        if (runner.definition.function !== name) continue
        if (runner.definition.source === 'cli') {
          await this.forget(id)
        }
        else {
          runner.stop('the function was deleted')
          this.runners.delete(id)
        }
      }
    }).then(() => this.prune())
  }

  /**
   * Removes the state and history of config schedules that no kept version defines any more (a
   * rollback to a kept version brings its schedules back with their history).
   */
  private prune(): Promise<void> {
    return this.locks.run(PRUNE_KEY, async () => {
      if (this.closed) return
      const { serving, store } = this.options
      const keep = new Set([...this.cli.keys(), ...this.runners.keys()])
      for (const name of serving.names()) {
        for (const version of serving.keptVersions(name)) {
          for (const definition of configSchedules(name, version.config.schedule)) keep.add(definition.id)
        }
      }
      for (const id of await store.storedIds()) {
        if (keep.has(id)) continue
        this.states.delete(id)
        this.lastRuns.delete(id)
        await store.removeState(id)
        await store.removeRuns(id)
      }
    })
  }

  private describe(runner: ScheduleRunner): ScheduleListing {
    const { definition } = runner
    const state = !definition.enabled ? 'disabled' : this.states.get(definition.id)?.paused ? 'paused' : 'active'
    const lastRun = this.lastRuns.get(definition.id)
    return {
      id: definition.id,
      function: definition.function,
      source: definition.source,
      cron: definition.cron,
      timezone: definition.timezone,
      ...(definition.payload === undefined ? {} : { payload: definition.payload }),
      overlap: definition.overlap,
      catchUp: definition.catchUp,
      state,
      nextRuns: state === 'active' ? runner.nextRuns(NEXT_RUNS_SHOWN).map(date => date.toISOString()) : [],
      ...runner.activity(),
      ...(lastRun ? { lastRun } : {}),
      ...(definition.version === undefined ? {} : { version: definition.version }),
      ...(definition.createdAt === undefined ? {} : { createdAt: definition.createdAt }),
    }
  }
}
