import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { describeDocker } from '../../helpers/docker'
import { repoRoot } from '../../helpers/paths'
import { createProject } from '../../helpers/project'
import { loggedJson, runsOf, schedulesOf, waitUntil } from '../../helpers/schedules'

const fixture = (name: string) => readFileSync(join(repoRoot, 'test/fixtures/schedules', name), 'utf8')

describeDocker('schedules on the agent (docker provider)', () => {
  const suite = useAgent({ provider: 'docker' }, () => createProject({
    'lambda.config.ts': `export default { functions: {
      tick: { schedule: { cron: '*/2 * * * * *', payload: { kind: 'docker' } } },
      legacy: { schedule: { cron: '*/2 * * * * *', payload: { kind: 'docker-lambda' } } },
    } }\n`,
    'functions/tick/index.ts': fixture('web.ts'),
    'functions/legacy/index.js': fixture('lambda.js'),
  }))

  it('fires container functions: the web body and headers, the Lambda EventBridge event, the history', async () => {
    const deployed = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
    expect(deployed.code, deployed.output).toBe(0)
    const [tick] = await schedulesOf(suite.agent, 'tick')
    const [legacy] = await schedulesOf(suite.agent, 'legacy')

    const seen = await waitUntil('a scheduled call of tick in its container', async () => (await loggedJson(suite.agent, 'tick', 'SEEN')).find(c => c.headers['x-lambda-trigger'] === 'schedule'), 30_000)
    expect(seen).toMatchObject({ method: 'POST', path: '/', body: '{"kind":"docker"}', headers: { 'x-lambda-schedule-id': tick!.id } })
    const { event } = await waitUntil('a scheduled event of legacy in its container', async () => (await loggedJson(suite.agent, 'legacy', 'EVENT')).find(e => e.event.source === 'aws.events'), 30_000)
    expect(event).toMatchObject({ 'version': '0', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'resources': [`arn:aws:events:local:000000000000:rule/${legacy!.id}`], 'detail': { kind: 'docker-lambda' } })

    for (const { id } of [tick!, legacy!]) {
      const runs = await waitUntil(`an ok run of ${id}`, async () => {
        const ok = (await runsOf(suite.agent, id)).filter(r => r.outcome === 'ok')
        return ok.length > 0 && ok
      }, 30_000)
      console.log(`docker: ${id} lateness of its runs (ms): ${runs.map(r => r.latenessMs).join(', ')}`)
      expect(runs[0]).toMatchObject({ status: 200, version: 1 })
    }
  })
})
