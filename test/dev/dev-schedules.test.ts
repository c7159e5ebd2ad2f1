import type { TempProject } from '../helpers/project'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchedules } from '../../src/agent/schedules/schedule-definition'
import { resolveSchedules } from '../../src/config/schema/schedule'
import { startDev } from '../helpers/dev'
import { repoRoot } from '../helpers/paths'
import { createProject } from '../helpers/project'
import { loggedJson, waitUntil } from '../helpers/schedules'

const fixture = (name: string) => readFileSync(join(repoRoot, 'test/fixtures/schedules', name), 'utf8')
const TICK = { cron: '*/2 * * * * *', payload: { from: 'dev' } }

let project: TempProject
beforeAll(() => {
  project = createProject({
    'lambda.config.ts': `export default { functions: { tick: { schedule: ${JSON.stringify(TICK)} }, legacy: { schedule: '*/2 * * * * *' } } }\n`,
    'functions/tick/index.ts': fixture('web.ts'),
    'functions/legacy/index.js': fixture('lambda.js'),
  })
})
afterAll(() => project?.remove())

describe('lambda dev fires the project\'s schedules', () => {
  it('runs them like the agent (same ids, body, headers and event) and prints each run', async () => {
    const dev = await startDev(project.dir)
    try {
      // The agent would give this schedule the same id.
      const [tick] = configSchedules('tick', resolveSchedules(TICK))
      await dev.process.waitFor(new RegExp(`\\[tick\\] schedule ${tick!.id} due \\S+: ok 200 in [\\d.]+ms, started \\d+ms late`), 20_000)
      const seen = (await loggedJson(dev.process, 'tick', 'SEEN')).find(c => c.headers['x-lambda-trigger'] === 'schedule')
      expect(seen).toMatchObject({ method: 'POST', path: '/', body: '{"from":"dev"}', headers: { 'x-lambda-schedule-id': tick!.id } })
      const event = await waitUntil('legacy\'s scheduled event', async () => (await loggedJson(dev.process, 'legacy', 'EVENT')).find(e => e.event.source === 'aws.events'))
      expect(event.event).toMatchObject({ 'version': '0', 'detail-type': 'Scheduled Event', 'detail': {} })
      expect(dev.process.output()).toMatch(/\[legacy\] schedule cfg-[0-9a-f]{12} due \S+: ok 200/)

      // A saved config change replaces the schedule: the new one fires, the old one stops.
      const changed = { cron: '*/3 * * * * *', payload: { from: 'dev', edited: true } }
      const [next] = configSchedules('tick', resolveSchedules(changed))
      project.write('lambda.config.ts', `export default { functions: { tick: { schedule: ${JSON.stringify(changed)} }, legacy: { schedule: '*/2 * * * * *' } } }\n`)
      const from = dev.process.output().length
      await dev.process.waitFor(new RegExp(`\\[tick\\] schedule ${next!.id} due \\S+: ok 200`), 20_000, from)
      const switchedAt = dev.process.output().length
      await dev.process.waitFor(new RegExp(`\\[tick\\] schedule ${next!.id} due \\S+: ok 200`), 20_000, switchedAt)
      expect(dev.process.output().slice(switchedAt)).not.toContain(`schedule ${tick!.id} due`)
    }
    finally {
      await dev.stop()
    }
  })

  it('--no-schedules turns them off', async () => {
    const dev = await startDev(project.dir, ['--no-schedules'])
    try {
      await dev.process.waitFor(/Schedules are off \(--no-schedules\)/)
      // Two times of each schedule pass.
      await new Promise(resolve => setTimeout(resolve, 4500))
      expect(dev.process.output()).not.toMatch(/\] schedule cfg-/)
      expect(await loggedJson(dev.process, 'tick', 'SEEN')).toEqual([])
      // The functions still answer requests.
      expect((await dev.call('tick')).status).toBe(200)
    }
    finally {
      await dev.stop()
    }
  })
})
