import type { ScheduleRun } from '../../../src/api/admin-api'
import type { AgentProcess } from '../../helpers/agent'
import type { TempProject } from '../../helpers/project'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../../helpers/agent'
import { createProject } from '../../helpers/project'
import { runsOf, schedulesOf, waitUntil } from '../../helpers/schedules'

/** Each run takes as long as its payload says. */
const SLEEPER = `export default async (req) => {
  const { ms } = await req.json()
  await new Promise(resolve => setTimeout(resolve, ms))
  return { slept: ms }
}
`

describe('a schedule run in flight when the agent stops is on record', () => {
  let agent: AgentProcess
  let project: TempProject
  const idOf = async (fn: string) => (await schedulesOf(agent, fn))[0]!.id
  const running = async (fn: string) => (await schedulesOf(agent, fn))[0]!.running > 0
  const pause = async (fn: string) => expect((await agent.admin(`/schedules/${await idOf(fn)}/pause`, { method: 'POST' })).status).toBe(200)
  const resume = async (fn: string) => expect((await agent.admin(`/schedules/${await idOf(fn)}/resume`, { method: 'POST' })).status).toBe(200)

  beforeAll(async () => {
    project = createProject({
      'lambda.config.ts': `export default { functions: {
  stuck: { timeout: 120, schedule: { cron: '* * * * * *', payload: { ms: 100000 } } },
  brief: { timeout: 30, schedule: { cron: '* * * * * *', payload: { ms: 1500 } } },
} }
`,
      'functions/stuck/index.mjs': SLEEPER,
      'functions/brief/index.mjs': SLEEPER,
    })
    agent = await startAgentProcess({ provider: 'process' })
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    project?.remove()
  })

  it('kill -9 mid-run: after the restart the run reads as interrupted (started, never finished), not as missing', async () => {
    await pause('brief')
    await waitUntil('a run of stuck to be going', () => running('stuck'))
    await agent.process.stop('SIGKILL')
    agent = await agent.restart()
    await pause('stuck')
    const runs = await runsOf(agent, await idOf('stuck'))
    const cut = runs.filter(run => run.outcome === 'interrupted')
    expect(cut.length, JSON.stringify(runs)).toBeGreaterThanOrEqual(1)
    expect(cut[0]).toMatchObject({ trigger: 'schedule', startedAt: expect.any(String), reason: expect.stringMatching(/the agent stopped .* before the run ended; it was not run again/) })
    expect(runs.some(run => run.outcome === 'running')).toBe(false)
    // The listing's last run says so too.
    expect((await schedulesOf(agent, 'stuck'))[0]!.lastRun?.outcome).toBe('interrupted')
  })

  it('a clean stop (SIGTERM) lets a short run end and records how it ended; a run past the grace reads as interrupted', async () => {
    await resume('stuck')
    await resume('brief')
    await waitUntil('runs of both to be going', async () => await running('stuck') && await running('brief'))
    const stopping = Date.now()
    await agent.stop()
    agent = await agent.restart()
    await pause('stuck')
    await pause('brief')
    const since = (runs: ScheduleRun[]) => runs.filter(run => run.startedAt && Date.parse(run.startedAt) <= stopping && Date.parse(run.startedAt) > stopping - 3000)
    const brief = since(await runsOf(agent, await idOf('brief')))
    expect(brief.length, JSON.stringify(brief)).toBeGreaterThanOrEqual(1)
    expect(brief.at(-1)).toMatchObject({ outcome: 'ok', status: 200 })
    const stuck = since(await runsOf(agent, await idOf('stuck')))
    expect(stuck.at(-1)?.outcome, JSON.stringify(stuck)).toBe('interrupted')
  })
})
