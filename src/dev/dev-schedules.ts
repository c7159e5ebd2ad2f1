import type { ScheduleDefinition } from '../agent/schedules/schedule-definition'
import type { DueRun } from '../agent/schedules/schedule-runner'
import type { ScheduleRunRecord } from '../store/records'
import type { DevRegistry } from './dev-registry'
import { describeRun } from '../agent/schedules/describe-run'
import { configSchedules } from '../agent/schedules/schedule-definition'
import { ScheduleRunner } from '../agent/schedules/schedule-runner'
import { completedRun, failedRun, scheduledCall } from '../agent/schedules/scheduled-call'
import { logFunctionOutput } from '../log/function-log'
import { callFunction } from '../proxy/call-function'

const MAX_ANSWER_BYTES = 4096

/**
 * The project's schedules under `lambda dev`: the same ids, requests and overlap rules as on the
 * agent, firing at the latest build of each function, one log line per run. Nothing is stored, so
 * there is no history and no catch-up: dev starting is not an agent coming back.
 */
export class DevSchedules {
  private readonly runners = new Map<string, ScheduleRunner>()
  private readonly registry: DevRegistry
  private closed = false

  constructor(registry: DevRegistry) {
    this.registry = registry
  }

  /** Makes the firing schedules those of the current config (after a start, a build or a config reload). */
  sync(): void {
    if (this.closed) return
    const wanted = new Map<string, ScheduleDefinition>()
    for (const fn of this.registry.functions.values()) {
      if (fn.fn.kind !== 'node') continue
      for (const definition of configSchedules(fn.name, fn.fn.schedule)) wanted.set(definition.id, definition)
    }
    for (const [id, runner] of this.runners) {
      if (wanted.has(id)) continue
      runner.stop('the schedule was removed from lambda.config.ts')
      this.runners.delete(id)
    }
    for (const definition of wanted.values()) {
      let runner = this.runners.get(definition.id)
      if (runner) {
        runner.definition = definition
      }
      else {
        runner = new ScheduleRunner(definition, { execute: run => this.execute(run), record: run => this.log(run) })
        this.runners.set(definition.id, runner)
        const [next] = runner.nextRuns(1)
        logFunctionOutput(definition.function, `schedule ${definition.id} (${definition.cron}, ${definition.timezone})${definition.enabled ? `: next run ${next?.toISOString() ?? 'never'}` : ': enabled: false, not firing'}`, 'stdout')
      }
      if (definition.enabled) runner.start()
      else runner.pause()
    }
  }

  close(): void {
    this.closed = true
    for (const runner of this.runners.values()) runner.stop('lambda dev is stopping')
    this.runners.clear()
  }

  private async execute(run: DueRun): Promise<ScheduleRunRecord> {
    const name = run.definition.function
    const startedAt = new Date()
    for (let attempt = 1; ; attempt++) {
      const fn = this.registry.get(name)
      if (!fn) return failedRun(run, startedAt, { code: 'FUNCTION_NOT_FOUND', message: `Function "${name}" is no longer in the project.` })
      // Runs take the newest code, like requests do.
      await fn.building
      if (fn.buildError) return failedRun(run, startedAt, { code: fn.buildError.code, message: fn.buildError.message })
      if (!fn.pool) return failedRun(run, startedAt, { code: 'FUNCTION_UNAVAILABLE', message: `Function "${name}" has no successful build yet.` })
      const result = await callFunction(fn.pool, scheduledCall(run, `${name}.localhost`), { timeoutMs: fn.fn.timeout * 1000, memory: fn.fn.memory, maxBodyBytes: MAX_ANSWER_BYTES })
      // A save swapped in a new build between the lookup and the call: the run goes to the new one.
      if (result.error?.code === 'VERSION_RETIRED' && attempt < 3) continue
      return completedRun(run, startedAt, result)
    }
  }

  private log(run: ScheduleRunRecord): void {
    if (!this.closed) logFunctionOutput(run.function, describeRun(run), 'stdout')
  }
}
