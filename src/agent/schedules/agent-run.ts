import type { ScheduleRunRecord } from '../../store/records'
import type { AgentContext } from '../context'
import type { DueRun } from './schedule-runner'
import { callFunction } from '../../proxy/call-function'
import { completedRun, failedRun, scheduledCall } from './scheduled-call'

/** A failed answer is kept in the history as an excerpt: more is never read. */
const MAX_ANSWER_BYTES = 4096

/**
 * Runs a schedule's call on the function's serving version, as the gateway would call it (the same
 * deadline, instance limits and crash reports). A version switch between the lookup and the call
 * sends it to the version that replaced it.
 */
export function agentRunExecutor(ctx: Pick<AgentContext, 'serving' | 'options' | 'invocations'>) {
  return async (run: DueRun): Promise<ScheduleRunRecord> => {
    const name = run.definition.function
    const startedAt = new Date()
    for (let attempt = 1; ; attempt++) {
      const entry = ctx.serving.get(name)
      if (!entry) return failedRun(run, startedAt, { code: 'FUNCTION_NOT_FOUND', message: `Function "${name}" is not deployed.` })
      const { config } = entry.version
      const result = await callFunction(ctx.serving.poolFor(entry.version), scheduledCall(run, `${name}.${ctx.options.domain}`), { timeoutMs: config.timeout * 1000, memory: config.memory, maxBodyBytes: MAX_ANSWER_BYTES, trigger: 'schedule', onComplete: ctx.invocations.listener })
      if (result.error?.code === 'VERSION_RETIRED' && attempt < 3) continue
      return completedRun(run, startedAt, result, entry.version.number)
    }
  }
}
