import type { ScheduleRunRecord } from '../../src/store/records'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createScheduleStore, SCHEDULE_RUNS_KEPT } from '../../src/store/schedule-store'
import { createAgentStorage } from '../../src/store/storage'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const run = (n: number): ScheduleRunRecord => ({ id: `run-${n}`, schedule: 'cli-aaaaaaaaaaaa', function: 'hello', trigger: 'schedule', scheduledAt: new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString(), outcome: 'ok', status: 200 })

describe('the schedule store', () => {
  it('keeps each run as its own record, the newest SCHEDULE_RUNS_KEPT, across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-sched-store-'))
    dirs.push(dir)
    const storage = await createAgentStorage({ dataDir: dir })
    const store = createScheduleStore(storage)
    // Asked for all at once: they are still written in order.
    await Promise.all(Array.from({ length: SCHEDULE_RUNS_KEPT + 5 }, (_, i) => store.addRun(run(i + 1))))
    const files = readdirSync(join(dir, 'state/schedule-runs/cli-aaaaaaaaaaaa'))
    expect(files).toHaveLength(SCHEDULE_RUNS_KEPT)
    const runs = await store.listRuns('cli-aaaaaaaaaaaa')
    expect(runs).toHaveLength(SCHEDULE_RUNS_KEPT)
    expect(runs[0]!.id).toBe(`run-${SCHEDULE_RUNS_KEPT + 5}`)
    expect(runs.at(-1)!.id).toBe('run-6')
    await storage.dispose()

    // A new agent process continues the numbering and the bound.
    const reopened = createScheduleStore(await createAgentStorage({ dataDir: dir }))
    await reopened.addRun(run(200))
    expect((await reopened.listRuns('cli-aaaaaaaaaaaa', 2)).map(r => r.id)).toEqual(['run-200', `run-${SCHEDULE_RUNS_KEPT + 5}`])
    expect(readdirSync(join(dir, 'state/schedule-runs/cli-aaaaaaaaaaaa'))).toHaveLength(SCHEDULE_RUNS_KEPT)
    expect(await reopened.storedIds()).toEqual(['cli-aaaaaaaaaaaa'])
    await reopened.removeRuns('cli-aaaaaaaaaaaa')
    expect(await reopened.listRuns('cli-aaaaaaaaaaaa')).toEqual([])
    await reopened.idle()
  })

  it('keeps state writes of one schedule in the order they were asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-sched-store-'))
    dirs.push(dir)
    const store = createScheduleStore(await createAgentStorage({ dataDir: dir }))
    const state = (second: number) => ({ id: 'cfg-aaaaaaaaaaaa', function: 'hello', paused: false, activeSince: '2030-01-01T00:00:00.000Z', lastScheduledAt: new Date(Date.UTC(2030, 0, 1, 0, 0, second)).toISOString(), updatedAt: '' })
    for (let s = 0; s < 20; s++) void store.putState(state(s))
    await store.idle()
    expect((await store.getState('cfg-aaaaaaaaaaaa'))?.lastScheduledAt).toBe(state(19).lastScheduledAt)
  })

  it('a run is on record from its start (running) and replaced in place by how it ended; one pruned meanwhile is not written back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-sched-store-'))
    dirs.push(dir)
    const storage = await createAgentStorage({ dataDir: dir })
    const store = createScheduleStore(storage)
    const going = { ...run(1), outcome: 'running' as const, status: undefined, startedAt: new Date().toISOString() }
    const seq = await store.startRun(going)
    expect((await store.listRuns('cli-aaaaaaaaaaaa')).map(r => r.outcome)).toEqual(['running'])
    await store.endRun({ ...run(1), outcome: 'ok' }, seq)
    expect((await store.listRuns('cli-aaaaaaaaaaaa')).map(r => [r.id, r.outcome])).toEqual([['run-1', 'ok']])

    const long = await store.startRun({ ...going, id: 'long' })
    for (let i = 0; i < SCHEDULE_RUNS_KEPT; i++) await store.addRun(run(i + 10))
    await store.endRun({ ...run(0), id: 'long', outcome: 'ok' }, long)
    const runs = await store.listRuns('cli-aaaaaaaaaaaa')
    expect(runs).toHaveLength(SCHEDULE_RUNS_KEPT)
    expect(runs.some(r => r.id === 'long')).toBe(false)
    await storage.dispose()
  })
})
