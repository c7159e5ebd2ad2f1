import type { AgentProcess } from '../../helpers/agent'
import type { AsyncFixture } from './async-project'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callAsync, finished, gatedLog, startAsyncAgent, stopAsyncAgent, storedFilesContaining, until } from './async-project'

const startsOf = (out: string, id: string) => gatedLog(out).filter(line => line === `start ${id}`).length
const endsOf = (out: string, id: string) => gatedLog(out).filter(line => line === `end ${id}`).length

describe('accepted calls survive the agent: at-least-once', () => {
  let fixture: AsyncFixture
  let agent: AgentProcess
  beforeAll(async () => ({ agent, fixture } = await startAsyncAgent()))
  afterAll(() => stopAsyncAgent(agent, fixture))

  it('kill -9 with calls waiting and one running: after the restart every one completes, the running one runs again', async () => {
    const gate = 'gate-kill'
    const ids: string[] = []
    // `gated` runs one call at a time: the first one runs (held at the gate), the others wait.
    for (let i = 0; i < 6; i++) {
      const res = await callAsync(agent, 'gated', `/?gate=${gate}`, { body: `call ${i}` })
      expect(res.status).toBe(202)
      ids.push(res.json().id)
    }
    const retrying = (await callAsync(agent, 'rec', '/?failTimes=1')).json().id
    await until(() => startsOf(fixture.out, ids[0]!) === 1, 'the first call to start')
    expect(ids.slice(1).every(id => startsOf(fixture.out, id) === 0)).toBe(true)

    await agent.process.stop('SIGKILL')
    agent = await agent.restart()
    expect(agent.process.output()).toMatch(/Resuming \d+ asynchronous call\(s\)/)

    writeFileSync(join(fixture.out, gate), '')
    for (const id of ids) {
      const detail = await finished(agent, id)
      expect(detail.status, id).toBe('succeeded')
      expect(endsOf(fixture.out, id), id).toBeGreaterThanOrEqual(1)
    }
    // It was running when the agent died: the new agent ran it again (same id: the idempotency key).
    expect(startsOf(fixture.out, ids[0]!)).toBe(2)
    expect((await finished(agent, retrying)).status).toBe('succeeded')
  })

  it('a clean stop (SIGTERM) with calls waiting: they run after the next start', async () => {
    const gate = 'gate-term'
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await callAsync(agent, 'gated', `/?gate=${gate}`)).json().id)
    await until(() => startsOf(fixture.out, ids[0]!) === 1, 'the first call to start')
    await agent.stop()
    agent = await agent.restart()
    writeFileSync(join(fixture.out, gate), '')
    for (const id of ids) expect((await finished(agent, id)).status).toBe('succeeded')
    // The one cut short by the stop is not recorded as a failed attempt: it ran again, as attempt 1.
    expect((await agent.admin(`/invocations/${ids[0]}`)).json().attempts).toMatchObject([{ number: 1, status: 200 }])
  })
})

describe('finished invocations are kept for their retention period', () => {
  let fixture: AsyncFixture
  let agent: AgentProcess
  beforeAll(async () => ({ agent, fixture } = await startAsyncAgent({ extraArgs: ['--async-retention', '1'], only: 'rec' })))
  afterAll(() => stopAsyncAgent(agent, fixture))

  it('a succeeded one is pruned after --async-retention; a failed one stays for --async-failed-retention (14 days by default)', async () => {
    const ok = (await callAsync(agent, 'rec')).json().id
    const bad = (await callAsync(agent, 'rec', '/?status=400')).json().id
    expect((await finished(agent, ok)).status).toBe('succeeded')
    expect((await finished(agent, bad)).status).toBe('failed')
    await until(async () => (await agent.admin(`/invocations/${ok}`)).status === 404, 'the succeeded one to be pruned')
    expect((await agent.admin(`/invocations/${ok}`)).json().error.code).toBe('INVOCATION_NOT_FOUND')
    expect((await agent.admin(`/invocations/${bad}`)).json().status).toBe('failed')
    // Gone from the disk too (its batch went with its last kept call), while the failed one is still there.
    await until(() => storedFilesContaining(agent, ok).length === 0, 'the pruned one to leave the disk')
    expect(storedFilesContaining(agent, bad).length).toBeGreaterThan(0)
  })
})
