import type { Storage } from 'unstorage'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AsyncInvocations } from '../../../src/agent/async/async-invocations'
import { createCallbackPolicy } from '../../../src/agent/async/callback-policy'
import { CredentialSeal } from '../../../src/agent/secrets/credential-seal'
import { ServingTable } from '../../../src/agent/serving-table'
import { createAgentStorage } from '../../../src/store/storage'
import { until } from './async-project'

// The store side of accepting: what reaches the disk and what a restart finds. The agents here are
// stopping (closed) as they accept, so their workers run nothing: what an agent accepts while it
// stops is stored and runs at the next start.
let dataDir: string
let storage: Storage
beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lambda-inbox-'))
  storage = await createAgentStorage({ dataDir })
})
afterEach(async () => {
  await storage.dispose()
  rmSync(dataDir, { recursive: true, force: true })
})

const serving = () => new ServingTable({ provider: {} as never, idleTimeoutMs: 0 })
const invocations = (queueLimit = 1000) => new AsyncInvocations({ storage, serving: serving(), queueLimit, retentionMs: 86_400_000, failedRetentionMs: 86_400_000, callbackPolicy: createCallbackPolicy({ allow: [], domain: 'localhost' }), credentials: new CredentialSeal(Buffer.alloc(32, 7)) })
const call = (i: number) => ({ function: 'hello', request: { method: 'POST', path: `/n/${i}`, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`body ${i}`) } })
const batchFiles = () => readdirSync(join(dataDir, 'state', 'async', 'inbox'))

describe('accepting: every call is on disk before its 202, written together under load', () => {
  it('200 calls accepted at once take far fewer durable writes than calls, and a new agent finds all of them', async () => {
    const first = invocations()
    await first.close()
    const accepted = await Promise.all(Array.from({ length: 200 }, (_, i) => first.reserve('hello').accept(call(i))))
    expect(new Set(accepted.map(a => a.id)).size).toBe(200)
    const batches = batchFiles().length
    console.log(`200 concurrent accepts took ${batches} batch writes`)
    expect(batches).toBeLessThan(200)
    expect(batches).toBeGreaterThanOrEqual(1)

    // A new agent on the same store (as after kill -9: nothing of the first is closed).
    const second = invocations()
    await second.close()
    expect(await second.start()).toEqual({ resumed: 200 })
    const listing = second.list({ function: 'hello', limit: 1000 })
    expect(listing.counts.queued).toBe(200)
    const record = await second.get(accepted[7]!.id)
    expect(record).toMatchObject({ function: 'hello', status: 'queued', request: { method: 'POST', path: '/n/7', headers: { 'content-type': 'text/plain' } } })
    expect(Buffer.from(record!.request.body, 'base64').toString()).toBe('body 7')
    await second.close()
  })

  it('a finished call moves from the inbox to its outcome batch; a new agent keeps it as finished and runs nothing again', async () => {
    // Nothing is deployed: the worker finds no function, so the call ends at once as failed (function-gone).
    const first = invocations()
    await first.start()
    const { id } = await first.reserve('hello').accept(call(1))
    await first.close()
    expect((await first.get(id))?.failure?.reason).toBe('function-gone')
    // The inbox batch goes once its only call is in the outcome batch.
    await until(() => batchFiles().length === 0, 'the inbox batch to be removed')
    expect(readdirSync(join(dataDir, 'state', 'async', 'failed'))).toHaveLength(1)

    const second = invocations()
    expect(await second.start()).toEqual({ resumed: 0 })
    expect(second.list().counts).toMatchObject({ queued: 0, failed: 1 })
    expect(await second.get(id)).toMatchObject({ id, status: 'failed', request: { path: '/n/1' } })
    await second.close()
  })

  it('a full queue refuses before anything is stored; a released reservation gives its room back', async () => {
    const agent = invocations(2)
    await agent.close()
    const a = agent.reserve('hello')
    const b = agent.reserve('hello')
    expect(() => agent.reserve('hello')).toThrow(expect.objectContaining({ code: 'ASYNC_QUEUE_FULL', status: 429 }))
    b.release()
    await a.accept(call(1))
    await agent.reserve('hello').accept(call(2))
    expect(() => agent.reserve('hello')).toThrow(expect.objectContaining({ code: 'ASYNC_QUEUE_FULL' }))
    expect(agent.reserve('other')).toBeDefined()
  })
})
