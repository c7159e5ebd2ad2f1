import type { ScheduleDefinition } from '../../../src/agent/schedules/schedule-definition'
import type { DueRun } from '../../../src/agent/schedules/schedule-runner'
import type { ScheduleRunRecord } from '../../../src/store/records'
import { describe, expect, it } from 'vitest'
import { ScheduleRunner } from '../../../src/agent/schedules/schedule-runner'

const definition = (overlap: ScheduleDefinition['overlap']): ScheduleDefinition => ({ id: 'cli-aaaaaaaaaaaa', function: 'slow', source: 'cli', cron: '0 0 1 1 *', timezone: 'UTC', overlap, catchUp: false, enabled: true })

/** A runner whose runs end when the test says so: overlap observed step by step, no clocks involved. */
function harness(overlap: ScheduleDefinition['overlap']) {
  const started: DueRun[] = []
  const finish: Array<() => void> = []
  const recorded: ScheduleRunRecord[] = []
  const runner = new ScheduleRunner(definition(overlap), {
    execute: run => new Promise((resolve) => {
      started.push(run)
      finish.push(() => resolve({ id: run.id, schedule: run.definition.id, function: 'slow', trigger: run.trigger, scheduledAt: run.scheduledAt.toISOString(), startedAt: new Date().toISOString(), outcome: 'ok', status: 200 }))
    }),
    record: run => recorded.push(run),
  })
  const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, second))
  const settle = () => new Promise(resolve => setImmediate(resolve))
  return { runner, started, finish, recorded, at, settle }
}

describe('overlap between the runs of one schedule', () => {
  it('skip: a time that comes while a run is going is recorded as skipped', async () => {
    const { runner, started, finish, recorded, at, settle } = harness('skip')
    const first = runner.fire(at(0), 'schedule')
    const second = await runner.fire(at(1), 'schedule')
    expect(second).toMatchObject({ outcome: 'skipped', scheduledAt: at(1).toISOString(), reason: 'the previous run was still going' })
    expect(started).toHaveLength(1)
    finish[0]!()
    expect(await first).toMatchObject({ outcome: 'ok' })
    const third = runner.fire(at(2), 'schedule')
    await settle()
    expect(started.map(r => r.scheduledAt.getUTCSeconds())).toEqual([0, 2])
    finish[1]!()
    await third
    expect(recorded.map(r => r.outcome)).toEqual(['skipped', 'ok', 'ok'])
  })

  it('allow: runs go in parallel', async () => {
    const { runner, started, finish, at, settle } = harness('allow')
    const runs = [runner.fire(at(0), 'schedule'), runner.fire(at(1), 'schedule'), runner.fire(at(2), 'schedule')]
    await settle()
    expect(started).toHaveLength(3)
    expect(runner.activity()).toEqual({ running: 3, queued: false })
    for (const end of finish) end()
    expect((await Promise.all(runs)).map(r => r.outcome)).toEqual(['ok', 'ok', 'ok'])
  })

  it('queue: the next waits for the running one, at most one waits, more are skipped', async () => {
    const { runner, started, finish, recorded, at, settle } = harness('queue')
    const first = runner.fire(at(0), 'schedule')
    const queued = runner.fire(at(1), 'schedule')
    const third = await runner.fire(at(2), 'schedule')
    expect(third).toMatchObject({ outcome: 'skipped', reason: 'a run was going and another was already queued' })
    expect(runner.activity()).toEqual({ running: 1, queued: true })
    expect(started).toHaveLength(1)
    finish[0]!()
    await first
    await settle()
    // The queued run starts as soon as the first ended, keeping the time it was due.
    expect(started.map(r => r.scheduledAt.getUTCSeconds())).toEqual([0, 1])
    finish[1]!()
    expect(await queued).toMatchObject({ outcome: 'ok', scheduledAt: at(1).toISOString() })
    expect(recorded.map(r => r.outcome)).toEqual(['skipped', 'ok', 'ok'])
  })

  it('a paused schedule lets the running run finish and records the queued one as skipped', async () => {
    const { runner, started, finish, at } = harness('queue')
    const first = runner.fire(at(0), 'schedule')
    const queued = runner.fire(at(1), 'schedule')
    runner.pause()
    expect(await queued).toMatchObject({ outcome: 'skipped', reason: 'the schedule was paused' })
    finish[0]!()
    expect(await first).toMatchObject({ outcome: 'ok' })
    expect(started).toHaveLength(1)
  })

  it('knows its next times and the last one before a moment, in its time zone', () => {
    const runner = new ScheduleRunner({ ...definition('skip'), cron: '0 9 * * *', timezone: 'Europe/Berlin' }, { execute: async () => { throw new Error('not called') }, record: () => {} })
    const after = new Date('2030-06-01T12:00:00Z')
    // 09:00 in Berlin is 07:00 UTC in summer.
    expect(runner.nextRuns(3, after).map(d => d.toISOString())).toEqual(['2030-06-02T07:00:00.000Z', '2030-06-03T07:00:00.000Z', '2030-06-04T07:00:00.000Z'])
    expect(runner.previousRun(after)?.toISOString()).toBe('2030-06-01T07:00:00.000Z')
  })
})
