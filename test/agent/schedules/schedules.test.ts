import type { ScheduleListing } from '../../../src/api/admin-api'
import type { AgentProcess } from '../../helpers/agent'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { repoRoot } from '../../helpers/paths'
import { createProject } from '../../helpers/project'
import { loggedJson, runsOf, schedulesOf, waitUntil } from '../../helpers/schedules'

const fixture = (name: string) => readFileSync(join(repoRoot, 'test/fixtures/schedules', name), 'utf8')

const config = (tick: string) => `export default {
  functions: {
    tick: { schedule: ${tick} },
    legacy: { schedule: [{ cron: '*/2 * * * * *', payload: { kind: 'legacy', n: 7 } }, { cron: '*/3 * * * * *', overlap: 'allow' }] },
    outcomes: { timeout: 1 },
    slow: {
      timeout: 10,
      schedule: [
        { cron: '* * * * * *', payload: { overlap: 'skip' }, overlap: 'skip' },
        { cron: '* * * * * *', payload: { overlap: 'allow' }, overlap: 'allow' },
        { cron: '* * * * * *', payload: { overlap: 'queue' }, overlap: 'queue' },
      ],
    },
  },
}\n`
const TICK_V1 = `{ cron: '*/2 * * * * *', payload: { kind: 'tick', n: 1 } }`
const TICK_V2 = `{ cron: '*/3 * * * * *', payload: { kind: 'tick', n: 2 } }`

const project = () => createProject({
  'lambda.config.ts': config(TICK_V1),
  'functions/tick/index.ts': fixture('web.ts'),
  'functions/legacy/index.js': fixture('lambda.js'),
  // What a run does comes from its payload: answer, fail, or hang past the 1 s timeout.
  'functions/outcomes/index.ts': `export default async (req: Request) => {
    const { mode } = await req.json()
    if (mode === 'fail') throw new Error('failed on purpose')
    if (mode === 'hang') await new Promise(() => {})
    return { mode }
  }\n`,
  // Slow runs, so the next time comes while one is going; paused until the overlap test.
  'functions/slow/index.ts': 'export default async () => { await new Promise(r => setTimeout(r, 2500)); return { done: true } }\n',
})

async function deployOk(agent: AgentProcess, dir: string) {
  const result = await agent.cli(['deploy'], { cwd: dir })
  expect(result.code, result.output).toBe(0)
  return result
}

const cliJson = async <T>(agent: AgentProcess, args: string[]): Promise<T> => {
  const result = await agent.cli([...args, '--json'])
  expect(result.code, result.output).toBe(0)
  return JSON.parse(result.stdout) as T
}

describe('schedules on the agent (process provider)', () => {
  const suite = useAgent({ provider: 'process' }, project, async ({ agent, project }) => {
    await deployOk(agent, project.dir)
    // The overlap test resumes these; until then they would only keep the machine busy.
    for (const schedule of await schedulesOf(agent, 'slow')) expect((await agent.admin(`/schedules/${schedule.id}/pause`, { method: 'POST' })).status).toBe(200)
  })
  const tickSchedule = async () => (await schedulesOf(suite.agent, 'tick')).find(s => s.source === 'config')!

  it('a web function gets POST / with the payload as JSON and the trigger headers, on time', async () => {
    const { id } = await tickSchedule()
    const [seen] = await waitUntil('a scheduled call of tick', async () => {
      const calls = (await loggedJson(suite.agent, 'tick', 'SEEN')).filter(c => c.headers['x-lambda-trigger'] === 'schedule')
      return calls.length > 0 && calls
    })
    expect(seen).toMatchObject({ method: 'POST', path: '/', body: '{"kind":"tick","n":1}' })
    expect(seen.headers).toMatchObject({ 'x-lambda-trigger': 'schedule', 'x-lambda-schedule-id': id, 'content-type': 'application/json' })
    const due = Date.parse(seen.headers['x-lambda-scheduled-time'])
    expect(new Date(due).toISOString()).toBe(seen.headers['x-lambda-scheduled-time'])
    expect(new Date(due).getUTCSeconds() % 2).toBe(0)
    // The runtime's own headers never reach the function.
    expect(seen.headers['x-lambda-deadline']).toBeUndefined()
    const lateness = seen.now - due
    console.log(`tick: called ${lateness} ms after its scheduled time`)
    expect(lateness).toBeGreaterThanOrEqual(0)
    expect(lateness).toBeLessThan(5000)
  })

  it('an unmodified Lambda handler gets EventBridge\'s "Scheduled Event", field by field', async () => {
    const [withPayload, bare] = await schedulesOf(suite.agent, 'legacy')
    expect([withPayload!.cron, bare!.cron]).toEqual(['*/2 * * * * *', '*/3 * * * * *'])
    const events = await waitUntil('scheduled events of both legacy schedules', async () => {
      const logged = (await loggedJson(suite.agent, 'legacy', 'EVENT')).filter(e => e.event.source === 'aws.events')
      const byRule = (id: string) => logged.find(e => e.event.resources[0].endsWith(`/${id}`))
      return byRule(withPayload!.id) && byRule(bare!.id) && [byRule(withPayload!.id), byRule(bare!.id)]
    })
    const [first, second] = events
    const { event, requestId, now } = first
    expect(Object.keys(event).sort()).toEqual(['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'])
    expect(event.version).toBe('0')
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(event.id).toBe(requestId)
    expect(event['detail-type']).toBe('Scheduled Event')
    expect(event.source).toBe('aws.events')
    expect(event.account).toBe('000000000000')
    expect(event.region).toBe('local')
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(new Date(event.time).getUTCSeconds() % 2).toBe(0)
    expect(event.resources).toEqual([`arn:aws:events:local:000000000000:rule/${withPayload!.id}`])
    expect(event.detail).toEqual({ kind: 'legacy', n: 7 })
    expect(second.event.detail).toEqual({})
    expect(new Date(second.event.time).getUTCSeconds() % 3).toBe(0)
    console.log(`legacy: called ${now - Date.parse(event.time)} ms after its scheduled time`)

    // What the handler returned is not a response description for a scheduled event: the run is ok.
    const runs = await waitUntil('a recorded legacy run', async () => (await runsOf(suite.agent, withPayload!.id)).filter(r => r.outcome === 'ok').length > 0 && runsOf(suite.agent, withPayload!.id))
    expect(runs.find(r => r.outcome === 'ok')).toMatchObject({ status: 200, trigger: 'schedule', version: 1, function: 'legacy' })
  })

  it('lists every schedule with its source, state and next three times; history records each run', async () => {
    const listing = await cliJson<{ schedules: ScheduleListing[] }>(suite.agent, ['schedules'])
    expect(listing.schedules.map(s => `${s.function}:${s.source}:${s.state}`)).toEqual([
      'legacy:config:active',
      'legacy:config:active',
      'slow:config:paused',
      'slow:config:paused',
      'slow:config:paused',
      'tick:config:active',
    ])
    const tick = listing.schedules.find(s => s.function === 'tick')!
    expect(tick).toMatchObject({ id: expect.stringMatching(/^cfg-[0-9a-f]{12}$/), cron: '*/2 * * * * *', timezone: 'UTC', overlap: 'skip', catchUp: false, payload: { kind: 'tick', n: 1 }, version: 1 })
    const next = tick.nextRuns.map(Date.parse)
    expect(next).toHaveLength(3)
    expect(next[1]! - next[0]!).toBe(2000)
    expect(next[2]! - next[1]!).toBe(2000)
    expect(listing.schedules.find(s => s.state === 'paused')!.nextRuns).toEqual([])

    const table = await suite.agent.cli(['schedules', 'tick'])
    expect(table.stdout).toMatch(/ID\s+FUNCTION\s+SOURCE\s+CRON\s+TIMEZONE\s+OVERLAP\s+STATE\s+LAST RUN\s+NEXT RUNS/)
    expect(table.stdout).toContain(`${tick.id}  tick      config  */2 * * * * *  UTC`)

    await waitUntil('two runs of tick', async () => (await runsOf(suite.agent, tick.id)).length >= 2)
    const history = await cliJson<{ schedule: ScheduleListing, runs: any[] }>(suite.agent, ['schedule', 'history', tick.id])
    expect(history.schedule.id).toBe(tick.id)
    const [latest] = history.runs
    expect(latest).toMatchObject({ schedule: tick.id, function: 'tick', trigger: 'schedule', outcome: 'ok', status: 200, version: 1 })
    for (const field of ['scheduledAt', 'startedAt', 'endedAt']) expect(Number.isNaN(Date.parse(latest[field]))).toBe(false)
    expect(latest.durationMs).toBeGreaterThanOrEqual(0)
    expect(latest.latenessMs).toBeGreaterThanOrEqual(0)
    console.log(`tick: recorded lateness of the last runs (ms): ${history.runs.slice(0, 5).map(r => r.latenessMs).join(', ')}`)
    const text = await suite.agent.cli(['schedule', 'history', tick.id, '--limit', '2'])
    expect(text.stdout).toMatch(/SCHEDULED\s+TRIGGER\s+OUTCOME\s+STATUS\s+DURATION\s+LATE\s+VERSION\s+DETAIL/)
    expect(text.stdout.trim().split('\n').filter(line => /^\d{4}-\S+\s+schedule\s+ok\s+200\b/.test(line))).toHaveLength(2)
  })

  it('a client-sent x-lambda-trigger never reaches a function as a schedule', async () => {
    const forged = { 'x-lambda-trigger': 'schedule', 'x-lambda-schedule-id': 'cfg-000000000000', 'x-lambda-scheduled-time': '2030-01-01T00:00:00.000Z' }
    const from = new Date().toISOString()
    expect((await suite.agent.call('tick', '/forged', { headers: forged })).status).toBe(200)
    await suite.agent.call('legacy', '/forged', { headers: forged })
    const viaInvoke = await suite.agent.cli(['invoke', 'legacy', '--path', '/forged-invoke', '-H', 'x-lambda-trigger: schedule', '-H', 'x-lambda-schedule-id: cfg-000000000000'])
    expect(viaInvoke.output).toContain('ignored')

    const web = await waitUntil('the forged call to tick', async () => (await loggedJson(suite.agent, 'tick', 'SEEN', from)).find(c => c.path === '/forged'))
    expect(Object.keys(web.headers).filter(h => h.startsWith('x-lambda-'))).toEqual([])
    const lambda = await waitUntil('both forged calls to legacy', async () => {
      const events = (await loggedJson(suite.agent, 'legacy', 'EVENT', from)).filter(e => e.event.rawPath?.startsWith('/forged'))
      return events.length === 2 && events
    })
    for (const { event } of lambda) {
      // An HTTP API event, not a Scheduled Event, without the forged headers.
      expect(event.version).toBe('2.0')
      expect(event.source).toBeUndefined()
      expect(Object.keys(event.headers).filter((h: string) => h.startsWith('x-lambda-'))).toEqual([])
    }
  })

  it('adds, pauses, resumes, runs and removes a schedule with the CLI; config schedules stay the project\'s', async () => {
    const added = await cliJson<ScheduleListing>(suite.agent, ['schedule', 'tick', '--cron', '*/5 * * * * *', '--tz', 'Europe/Berlin', '--payload', '{"from":"cli"}', '--overlap', 'queue'])
    expect(added).toMatchObject({ id: expect.stringMatching(/^cli-[0-9a-z]{12}$/), function: 'tick', source: 'cli', cron: '*/5 * * * * *', timezone: 'Europe/Berlin', overlap: 'queue', state: 'active', payload: { from: 'cli' } })
    expect(added.nextRuns).toHaveLength(3)
    const shown = await suite.agent.cli(['schedules', 'tick'])
    expect(shown.stdout).toMatch(new RegExp(`${added.id}\\s+tick\\s+cli\\s+\\*/5 \\* \\* \\* \\* \\*\\s+Europe/Berlin\\s+queue\\s+active`))

    const paused = await suite.agent.cli(['schedule', 'pause', added.id])
    expect(paused.code, paused.output).toBe(0)
    expect((await schedulesOf(suite.agent, 'tick')).find(s => s.id === added.id)).toMatchObject({ state: 'paused', nextRuns: [] })
    const ran = await suite.agent.cli(['schedule', 'run', added.id])
    expect(ran.code, ran.output).toBe(0)
    expect(ran.output).toMatch(/Ran schedule cli-\w+ of "tick" \(v1\): ok 200/)
    const [manual] = (await runsOf(suite.agent, added.id)).filter(r => r.trigger === 'manual')
    expect(manual).toMatchObject({ outcome: 'ok', status: 200 })
    const resumed = await suite.agent.cli(['schedule', 'resume', added.id])
    expect(resumed.code, resumed.output).toBe(0)
    expect((await schedulesOf(suite.agent, 'tick')).find(s => s.id === added.id)!.state).toBe('active')

    const config = await tickSchedule()
    const refused = await suite.agent.cli(['schedule', 'rm', config.id])
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('comes from lambda.config.ts')
    expect(refused.output).toContain(`lambda schedule pause ${config.id}`)

    const removed = await suite.agent.cli(['schedule', 'rm', added.id])
    expect(removed.code, removed.output).toBe(0)
    expect((await schedulesOf(suite.agent, 'tick')).map(s => s.id)).toEqual([config.id])
    const gone = await suite.agent.cli(['schedule', 'history', added.id])
    expect(gone.code).toBe(1)
    expect(gone.output).toContain(`No schedule with id "${added.id}"`)
  })

  it('refuses a bad expression, time zone or payload with the reason and a valid example (exit 2; 400 from the API)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--cron', '61 * * * *'], /Invalid value for --cron: "61 \* \* \* \*" is not a valid cron expression \(Invalid value for minute: 61\)/],
      [['--cron', 'every minute'], /Invalid value for --cron: "every minute" is not a valid cron expression/],
      [['--cron', '0 0 30 2 *'], /never fires/],
      [['--cron', '* * * * *', '--tz', 'Mars/Olympus'], /Invalid value for --tz: "Mars\/Olympus" is not a known IANA time zone/],
      [['--cron', '* * * * *', '--overlap', 'sometimes'], /Invalid value for --overlap: "sometimes" is not one of skip, allow, queue/],
      [['--cron', '* * * * *', '--payload', '{oops'], /Invalid value for --payload: it is not JSON/],
      [['--cron', '* * * * *', '--payload', JSON.stringify({ big: 'x'.repeat(17000) })], /the limit is 16384/],
      [[], /needs --cron/],
    ]
    for (const [flags, message] of cases) {
      const result = await suite.agent.cli(['schedule', 'tick', ...flags])
      expect(result.code, result.output).toBe(2)
      expect(result.stderr).toMatch(message)
    }
    const cron = await suite.agent.cli(['schedule', 'tick', '--cron', '61 * * * *'])
    expect(cron.stderr).toContain('e.g. \'*/5 * * * *\'')
    const zone = await suite.agent.cli(['schedule', 'tick', '--cron', '* * * * *', '--tz', 'Mars/Olympus', '--json'])
    expect(JSON.parse(zone.stdout).error).toMatchObject({ code: 'INVALID_TIMEZONE', hint: expect.stringContaining('Europe/Berlin') })

    // The agent checks again, whatever the client checked.
    const post = (body: unknown) => suite.agent.admin('/schedules', { method: 'POST', body: JSON.stringify(body) })
    const badCron = await post({ function: 'tick', cron: '61 * * * *' })
    expect(badCron.status).toBe(400)
    expect(badCron.json().error).toMatchObject({ code: 'INVALID_CRON', field: 'cron', message: expect.stringContaining('Invalid value for minute: 61'), hint: expect.stringContaining('*/5 * * * *') })
    expect((await post({ function: 'tick', cron: '* * * * *', timezone: 'Mars/Olympus' })).json().error).toMatchObject({ code: 'INVALID_TIMEZONE', field: 'timezone' })
    expect((await post({ function: 'tick', cron: '* * * * *', payload: { big: 'x'.repeat(17000) } })).json().error.code).toBe('INVALID_PAYLOAD')
    expect((await post({ function: 'tick', cron: '* * * * *', overlap: 'sometimes' })).json().error).toMatchObject({ code: 'BAD_REQUEST', field: 'overlap' })
    expect((await post({ function: 'tick', cron: '* * * * *', every: 5 })).json().error).toMatchObject({ code: 'BAD_REQUEST', field: 'every' })
    expect((await post({ cron: '* * * * *' })).json().error).toMatchObject({ code: 'BAD_REQUEST', field: 'function' })
    expect((await post({ function: 'nope', cron: '* * * * *' })).status).toBe(404)
    expect((await suite.agent.admin('/schedules/not-an-id/history')).json().error.code).toBe('INVALID_SCHEDULE_ID')
    expect((await suite.agent.admin('/schedules/cli-000000000000')).status).toBe(404)
  })

  it('bounds the schedules a function gets from the CLI', async () => {
    const post = () => suite.agent.admin('/schedules', { method: 'POST', body: JSON.stringify({ function: 'outcomes', cron: '0 0 1 1 *' }) })
    const ids: string[] = []
    for (let i = 0; i < 20; i++) {
      const response = await post()
      expect(response.status, response.text).toBe(201)
      ids.push(response.json().id)
    }
    const over = await post()
    expect(over.status).toBe(409)
    expect(over.json().error.code).toBe('TOO_MANY_SCHEDULES')
    for (const id of ids) expect((await suite.agent.admin(`/schedules/${id}`, { method: 'DELETE' })).status).toBe(200)
  })

  it('needs a deploy key: an invoke key may not list or fire schedules', async () => {
    const created = await suite.agent.admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'web', scope: 'invoke' }) })
    const invokeKey = created.json().key
    const listed = await suite.agent.admin('/schedules', { key: invokeKey })
    expect(listed.status).toBe(403)
    expect(listed.json().error.code).toBe('KEY_SCOPE')
    const { id } = await tickSchedule()
    expect((await suite.agent.admin(`/schedules/${id}/run`, { method: 'POST', key: invokeKey })).status).toBe(403)
    expect((await suite.agent.admin('/schedules', { key: null })).status).toBe(401)
  })

  it('history records ok, error and timeout runs (lambda schedule run exits 1 for a failed run)', async () => {
    const add = (mode: string) => cliJson<ScheduleListing>(suite.agent, ['schedule', 'add', 'outcomes', '--cron', '0 0 1 1 *', '--payload', JSON.stringify({ mode })])
    const [ok, fail, hang] = [await add('ok'), await add('fail'), await add('hang')]
    expect((await suite.agent.cli(['schedule', 'run', ok.id])).code).toBe(0)
    const failed = await suite.agent.cli(['schedule', 'run', fail.id, '--json'])
    expect(failed.code).toBe(1)
    expect(JSON.parse(failed.stdout).error).toMatchObject({ code: 'SCHEDULE_RUN_FAILED', run: { outcome: 'error', status: 500 } })
    const hung = await suite.agent.cli(['schedule', 'run', hang.id])
    expect(hung.code).toBe(1)
    expect(hung.output).toMatch(/timeout 504/)
    expect((await runsOf(suite.agent, ok.id)).map(r => r.outcome)).toEqual(['ok'])
    expect((await runsOf(suite.agent, fail.id))[0]).toMatchObject({ outcome: 'error', status: 500, error: { code: 'FUNCTION_ERROR_STATUS' } })
    expect((await runsOf(suite.agent, hang.id))[0]).toMatchObject({ outcome: 'timeout', status: 504, error: { code: 'FUNCTION_TIMEOUT' } })
    for (const { id } of [ok, fail, hang]) await suite.agent.cli(['schedule', 'rm', id])
  })

  it('overlap: skip records skipped runs, allow runs in parallel, queue runs right after (at most one waiting)', async () => {
    const slow = await schedulesOf(suite.agent, 'slow')
    const byOverlap = Object.fromEntries(slow.map(s => [s.overlap, s.id])) as Record<'skip' | 'allow' | 'queue', string>
    for (const id of Object.values(byOverlap)) expect((await suite.agent.cli(['schedule', 'resume', id])).code).toBe(0)
    await new Promise(resolve => setTimeout(resolve, 7500))
    for (const id of Object.values(byOverlap)) expect((await suite.agent.cli(['schedule', 'pause', id])).code).toBe(0)
    await waitUntil('the slow runs to end', async () => (await schedulesOf(suite.agent, 'slow')).every(s => s.running === 0), 20_000)

    const history = async (id: string) => {
      const runs = await runsOf(suite.agent, id)
      const done = runs.filter(r => r.outcome === 'ok').sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!))
      const overlapping = done.slice(1).filter((run, i) => Date.parse(run.startedAt!) < Date.parse(done[i]!.endedAt!)).length
      return { runs, done, overlapping, skipped: runs.filter(r => r.outcome === 'skipped') }
    }
    const skip = await history(byOverlap.skip)
    const allow = await history(byOverlap.allow)
    const queue = await history(byOverlap.queue)
    console.log(`overlap over 7.5 s of a 2.5 s function fired every second: skip ${skip.done.length} ran/${skip.skipped.length} skipped, allow ${allow.done.length} ran (${allow.overlapping} overlapping), queue ${queue.done.length} ran/${queue.skipped.length} skipped, queued lateness ${queue.done.map(r => r.latenessMs).join(', ')} ms`)

    expect(skip.done.length).toBeGreaterThanOrEqual(2)
    expect(skip.overlapping).toBe(0)
    expect(skip.skipped.some(r => r.reason === 'the previous run was still going')).toBe(true)

    expect(allow.skipped).toEqual([])
    expect(allow.done.length).toBeGreaterThanOrEqual(3)
    expect(allow.overlapping).toBeGreaterThan(0)

    expect(queue.done.length).toBeGreaterThanOrEqual(2)
    expect(queue.overlapping).toBe(0)
    // A queued run waited for the one before it, and started once that one ended.
    expect(queue.done.some(r => r.latenessMs! >= 1000)).toBe(true)
    expect(queue.skipped.some(r => r.reason === 'a run was going and another was already queued')).toBe(true)
  })

  it('a schedule-only change deploys as built; a rollback brings the previous schedules back; CLI schedules stay', async () => {
    const before = await tickSchedule()
    const cli = await cliJson<ScheduleListing>(suite.agent, ['schedule', 'tick', '--cron', '0 0 1 1 *'])
    suite.project.write('lambda.config.ts', config(TICK_V2))
    const deployed = await deployOk(suite.agent, suite.project.dir)
    expect(deployed.output).toMatch(/tick\s+built\s+v2/)
    expect(deployed.output).toMatch(/legacy\s+unchanged\s+v1/)

    const after = await schedulesOf(suite.agent, 'tick')
    expect(after.map(s => `${s.source}:${s.cron}`)).toEqual(['config:*/3 * * * * *', 'cli:0 0 1 1 *'])
    expect(after[0]).toMatchObject({ version: 2, payload: { kind: 'tick', n: 2 } })
    expect(after[0]!.id).not.toBe(before.id)
    const v2Call = await waitUntil('a call of the new schedule', async () => (await loggedJson(suite.agent, 'tick', 'SEEN')).find(c => c.headers['x-lambda-schedule-id'] === after[0]!.id))
    expect(v2Call.body).toBe('{"kind":"tick","n":2}')

    // Unchanged config: nothing to deploy.
    expect((await deployOk(suite.agent, suite.project.dir)).output).toMatch(/tick\s+unchanged\s+v2/)

    const rollback = await suite.agent.cli(['rollback', 'tick'])
    expect(rollback.code, rollback.output).toBe(0)
    const restored = await schedulesOf(suite.agent, 'tick')
    expect(restored.map(s => `${s.source}:${s.cron}:${s.id}`)).toEqual([`config:*/2 * * * * *:${before.id}`, `cli:0 0 1 1 *:${cli.id}`])
    expect(restored[0]).toMatchObject({ version: 1, payload: { kind: 'tick', n: 1 } })
    // The same schedule, so the same history, which goes on.
    const runsBefore = (await runsOf(suite.agent, before.id)).length
    await waitUntil('a run of the restored schedule', async () => (await runsOf(suite.agent, before.id)).length > runsBefore)
    // The replaced schedule's history stays while a kept version (v2) defines it.
    expect((await cliJson<{ schedule: null, runs: unknown[] }>(suite.agent, ['schedule', 'history', after[0]!.id])).schedule).toBeNull()
  })

  it('deleting a function takes its schedules, CLI ones included', async () => {
    const tick = await schedulesOf(suite.agent, 'tick')
    expect(tick.some(s => s.source === 'cli')).toBe(true)
    const deleted = await suite.agent.cli(['delete', 'tick', '--yes'])
    expect(deleted.code, deleted.output).toBe(0)
    await waitUntil('tick\'s schedules to go', async () => (await schedulesOf(suite.agent, 'tick')).length === 0)
    for (const { id } of tick) expect((await suite.agent.admin(`/schedules/${id}/history`)).status).toBe(404)
  })
})

describe('schedules across agent restarts', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'lambda.config.ts': `export default { functions: { beat: { schedule: [
      { cron: '*/2 * * * * *', payload: { catchUp: true }, catchUp: true },
      { cron: '*/2 * * * * *', payload: { catchUp: false } },
    ] } } }\n`,
    'functions/beat/index.ts': 'export default () => ({ ok: true })\n',
  }), async ({ agent, project }) => {
    await deployOk(agent, project.dir)
  })

  const beatSchedules = async (agent: AgentProcess) => {
    const [catchUp, plain] = (await schedulesOf(agent, 'beat')).sort((a, b) => Number(b.catchUp) - Number(a.catchUp))
    expect(catchUp!.catchUp).toBe(true)
    expect(plain!.catchUp).toBe(false)
    return { catchUp: catchUp!, plain: plain! }
  }
  const ranAfter = (agent: AgentProcess, id: string, after: number) => waitUntil(`a run of ${id} due after ${new Date(after).toISOString()}`, async () => (await runsOf(agent, id)).find(r => r.trigger === 'schedule' && Date.parse(r.scheduledAt) > after && r.outcome === 'ok'), 20_000)

  it('after a restart every schedule goes on at its next time', async () => {
    const { catchUp, plain } = await beatSchedules(suite.agent)
    await ranAfter(suite.agent, plain.id, 0)
    await suite.agent.stop()
    suite.agent = await suite.agent.restart()
    const readyAt = Date.now()
    const ids = await beatSchedules(suite.agent)
    expect([ids.catchUp.id, ids.plain.id]).toEqual([catchUp.id, plain.id])
    for (const id of [catchUp.id, plain.id]) {
      const run = await ranAfter(suite.agent, id, readyAt)
      console.log(`after a restart: ${id} ran ${run.latenessMs} ms after its time`)
    }
  })

  it('after kill -9, missed runs are dropped, except one catch-up run where catchUp is set', async () => {
    const { catchUp, plain } = await beatSchedules(suite.agent)
    await ranAfter(suite.agent, plain.id, Date.now())
    await suite.agent.process.stop('SIGKILL')
    const killedAt = Date.now()
    await new Promise(resolve => setTimeout(resolve, 5000))
    const restartAt = Date.now()
    suite.agent = await suite.agent.restart()
    const readyAt = Date.now()
    for (const id of [catchUp.id, plain.id]) await ranAfter(suite.agent, id, readyAt)

    const down = (iso: string) => Date.parse(iso) > killedAt && Date.parse(iso) < restartAt
    const missed = Math.floor(restartAt / 2000) - Math.floor(killedAt / 2000)
    // Only this downtime's: a slow restart in the test before may have missed a time too, and caught it up.
    const caught = (await runsOf(suite.agent, catchUp.id)).filter(r => r.trigger === 'catch-up' && Date.parse(r.scheduledAt) > killedAt)
    const plainDuringDowntime = (await runsOf(suite.agent, plain.id)).filter(r => down(r.scheduledAt))
    console.log(`kill -9: down ${restartAt - killedAt} ms (${missed} times missed), restart took ${readyAt - restartAt} ms; catch-up runs: ${caught.map(r => `${r.scheduledAt} ${r.outcome}`).join(', ')}`)
    expect(missed).toBeGreaterThanOrEqual(2)
    expect(caught).toHaveLength(1)
    expect(caught[0]).toMatchObject({ outcome: 'ok', status: 200 })
    // It stands for the latest time missed.
    expect(Date.parse(caught[0]!.scheduledAt)).toBeGreaterThan(killedAt)
    expect(Date.parse(caught[0]!.scheduledAt)).toBeLessThanOrEqual(readyAt)
    expect(plainDuringDowntime).toEqual([])
    expect((await runsOf(suite.agent, plain.id)).filter(r => r.trigger === 'catch-up')).toEqual([])
  })
})
