import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { createProject } from '../helpers/project'
import { until } from '../helpers/until'

// docs/cli.md (`lambda metrics`) shows this output; the gauges (asynchronous calls) are one row per function.
describe('lambda metrics: the table, then each function\'s gauges once', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'functions/fine/index.ts': 'export default () => ({ ok: true })\n',
    // A 4xx is not retried: the call goes straight to the dead-letter list.
    'functions/picky/index.ts': 'export default () => new Response(\'no\', { status: 400 })\n',
  }))

  it('shows the async gauges of the functions that have any, one row each, and no repeated lines', async () => {
    const { agent, project } = suite
    expect((await agent.cli(['deploy'], { cwd: project.dir })).code).toBe(0)
    for (const name of ['fine', 'picky']) expect((await agent.cli(['invoke', name, '--async'])).code).toBe(0)
    await until(async () => JSON.parse((await agent.cli(['invocations', '--json'])).stdout).counts.failed === 1 && JSON.parse((await agent.cli(['invocations', '--json'])).stdout).counts.succeeded === 1, 'both calls to finish')

    const all = await agent.cli(['metrics'])
    expect(all.code, all.output).toBe(0)
    const lines = all.stdout.split('\n').filter(Boolean)
    expect(lines[0]).toMatch(/^Window: \S+ → \S+ \(whole minutes\)$/)
    expect(lines[1]).toMatch(/^FUNCTION\s+CALLS\s+4XX\s+ERRORS\s+ERROR RATE\s+COLD\s+AVG\s+P50\s+P95\s+P99\s+PEAK\s+FAILURES$/)
    expect(lines[2]).toMatch(/^fine\s+1\s+0\s+0\s+0\.0%/)
    expect(lines[3]).toMatch(/^picky\s+1\s+1\s+0\s+0\.0%/)
    expect(lines[4]).toMatch(/^FUNCTION\s+QUEUE LENGTH\s+QUEUE SHED\s+ASYNC QUEUE DEPTH\s+ASYNC DEAD LETTERS\s+RATE LIMITED$/)
    expect(lines.slice(5).some(line => /^picky\s+0\s+0\s+0\s+1\s+0$/.test(line))).toBe(true)
    expect(new Set(lines).size).toBe(lines.length)
    expect(all.stdout).not.toMatch(/async (queue depth|dead letters):/)

    const one = await agent.cli(['metrics', 'picky'])
    expect(one.code, one.output).toBe(0)
    const oneLines = one.stdout.split('\n').filter(Boolean)
    expect(oneLines[1]).toMatch(/^VERSION\s+CALLS/)
    expect(oneLines[2]).toMatch(/^v1\s+1\s+1\s+0/)
    expect(oneLines[3]).toMatch(/^Since \S+: 1 invocations, 0 errors, 1 4xx, \d cold starts, avg /)
    expect(oneLines.slice(4)).toEqual([expect.stringMatching(/^FUNCTION\s+QUEUE LENGTH\s+QUEUE SHED\s+ASYNC QUEUE DEPTH\s+ASYNC DEAD LETTERS\s+RATE LIMITED$/), expect.stringMatching(/^picky\s+0\s+0\s+0\s+1\s+0$/)])
  })
})
