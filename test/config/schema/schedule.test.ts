import type { ConfigIssue } from '../../../src/config/schema/checks'
import type { TempProject } from '../../helpers/project'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDeployManifest } from '../../../src/agent/deploy/deploy-manifest'
import { cronProblem, MAX_SCHEDULE_PAYLOAD_BYTES, MAX_SCHEDULES_PER_FUNCTION, resolveSchedules } from '../../../src/config/schema/schedule'
import { validateConfig } from '../../../src/config/validate'
import { createProject } from '../../helpers/project'

let project: TempProject
beforeAll(() => {
  project = createProject()
})
afterAll(() => project.remove())

const cliIssues = (schedule: unknown) => validateConfig({ functions: { hello: { schedule } } })
/** The agent checks every upload's config with the same rules, whatever client sent it. */
async function agentIssues(schedule: unknown): Promise<ConfigIssue[]> {
  writeFileSync(join(project.dir, '.mini-lambda.json'), JSON.stringify({ name: 'hello', kind: 'node', hash: 'a'.repeat(64), config: { name: 'hello', kind: 'node', schedule } }))
  return readDeployManifest(project.dir, 'hello').then(() => [], (error: { data: { issues: ConfigIssue[] } }) => error.data.issues)
}

describe('schedule in lambda.config.ts', () => {
  it('takes a cron string, an object or a list; 5 fields, 6 with seconds, and time zones', () => {
    expect(cliIssues('0 6 * * *')).toEqual([])
    expect(cliIssues(['*/10 * * * * *', { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', payload: { kind: 'daily' }, enabled: false, overlap: 'queue', catchUp: true }])).toEqual([])
    expect(resolveSchedules(['*/10 * * * * *', { cron: '0 9 * * 1', overlap: 'allow' }])).toEqual([
      { cron: '*/10 * * * * *', timezone: 'UTC', enabled: true, overlap: 'skip', catchUp: false },
      { cron: '0 9 * * 1', timezone: 'UTC', enabled: true, overlap: 'allow', catchUp: false },
    ])
  })

  it.each([
    ['61 * * * *', 'not a valid cron expression (Invalid value for minute: 61)'],
    ['every minute', 'not a valid cron expression'],
    ['* * * * * * *', 'not a valid cron expression'],
    ['0 0 30 2 *', 'never fires'],
  ])('refuses %j with the reason and a valid example, in the CLI and on the agent', async (cron, problem) => {
    for (const issues of [cliIssues(cron), await agentIssues([{ cron, timezone: 'UTC', enabled: true }])]) {
      expect(issues).toHaveLength(1)
      expect(issues[0]!.problem).toContain(problem)
      expect(issues[0]!.fix).toMatch(/e\.g\. '\*\/5 \* \* \* \*'/)
    }
  })

  it('refuses an unknown time zone, an unknown overlap, too large a payload and too many schedules', async () => {
    const big = { data: 'x'.repeat(MAX_SCHEDULE_PAYLOAD_BYTES) }
    const cases: Array<[unknown, string, string]> = [
      [{ cron: '0 * * * *', timezone: 'Mars/Base' }, 'functions.hello.schedule.timezone', 'is not a known IANA time zone'],
      [{ cron: '0 * * * *', overlap: 'sometimes' }, 'functions.hello.schedule.overlap', 'must be one of \'skip\', \'allow\', \'queue\''],
      [{ cron: '0 * * * *', payload: big }, 'functions.hello.schedule.payload', `the limit is ${MAX_SCHEDULE_PAYLOAD_BYTES}`],
      [Array.from({ length: MAX_SCHEDULES_PER_FUNCTION + 1 }, () => '0 * * * *'), 'functions.hello.schedule', `has more than ${MAX_SCHEDULES_PER_FUNCTION} schedules`],
    ]
    for (const [schedule, path, problem] of cases) {
      for (const issues of [cliIssues(schedule), await agentIssues(Array.isArray(schedule) ? schedule : [schedule])]) {
        expect(issues.map(i => i.problem).join('; ')).toContain(problem)
        expect(issues[0]!.path.replace(/\[0\]/, '')).toBe(path)
      }
    }
  })

  it('cronProblem says nothing of a valid expression', () => {
    expect(cronProblem('*/2 * * * * *')).toBeUndefined()
    expect(cronProblem('0 9 * * MON', 'America/New_York')).toBeUndefined()
  })
})
