import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RuntimeLink } from '../../src/instances/runtime-link'
import { afterThisTest, tempDir } from '../helpers/cleanups'
import { requestOverLink } from '../helpers/link-request'
import { runtimeBootstrap } from '../helpers/paths'

function openLink(socketPath: string): RuntimeLink {
  const link = RuntimeLink.open({ socketPath, concurrency: 4 })
  afterThisTest(() => link.close())
  return link
}

// Module state lives as long as the process: a count that goes on proves the same runtime answered.
const COUNTER = 'let count = 0\nexport default () => ({ count: ++count, pid: process.pid })\n'

function startRuntime(socketPath: string, graceMs?: number) {
  const handler = join(tempDir('fn-'), 'index.mjs')
  writeFileSync(handler, COUNTER)
  const env: Record<string, string> = { PATH: process.env.PATH!, LAMBDA_AGENT_SOCKET: socketPath, LAMBDA_HANDLER: handler, LAMBDA_CONCURRENCY: '4' }
  if (graceMs !== undefined) env.LAMBDA_ADOPT_GRACE_MS = String(graceMs)
  const child = spawn(process.execPath, [runtimeBootstrap], { env, stdio: 'ignore' })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  afterThisTest(() => child.kill('SIGKILL'))
  return { child, exited }
}

async function get(link: RuntimeLink): Promise<{ count: number, pid: number }> {
  return JSON.parse((await requestOverLink(link, '/')).body)
}

describe('a runtime whose agent restarts (LAMBDA_ADOPT_GRACE_MS)', () => {
  it('dials the same socket again when a new agent listens there, and goes on serving from the same process', async () => {
    const socketPath = join(tempDir('link-'), 'agent.sock')
    const first = openLink(socketPath)
    const runtime = startRuntime(socketPath, 30_000)
    await first.ready
    const before = await get(first)
    // The agent goes away (its socket file with it), then a new one listens at the same path.
    await first.close()
    const second = openLink(socketPath)
    await second.ready
    // The control connection comes back too (its hello may land just after the first HTTP one's).
    for (let i = 0; i < 100 && !second.hasControl; i++) await new Promise(r => setTimeout(r, 50))
    expect(second.hasControl).toBe(true)
    expect(await get(second)).toEqual({ count: before.count + 1, pid: before.pid })
    expect(runtime.child.exitCode).toBeNull()
  })

  it('when only its control connection breaks, it links again to the same agent, which moves to the new link and goes on serving', async () => {
    const socketPath = join(tempDir('link-'), 'agent.sock')
    const link = openLink(socketPath)
    const runtime = startRuntime(socketPath, 30_000)
    await link.ready
    for (let i = 0; i < 100 && !link.hasControl; i++) await new Promise(r => setTimeout(r, 50))
    const before = await get(link)
    // As when the agent drops it (a full write buffer, a bug): the runtime sees its link lost while this agent lives.
    ;(link as unknown as { control: { destroy: () => void } }).control.destroy()
    for (let i = 0; i < 100 && !link.hasControl; i++) await new Promise(r => setTimeout(r, 50))
    expect(link.hasControl).toBe(true)
    // Every request after the relink is answered by the same process: none reaches a mux that refuses it.
    for (let i = 1; i <= 20; i++) expect(await get(link)).toEqual({ count: before.count + i, pid: before.pid })
    expect(runtime.child.exitCode).toBeNull()
  })

  it('exits once the grace is over when no agent comes back', async () => {
    const socketPath = join(tempDir('link-'), 'agent.sock')
    const link = openLink(socketPath)
    const runtime = startRuntime(socketPath, 300)
    await link.ready
    await link.close()
    expect(await runtime.exited).toBe(0)
  })

  it('without a grace (processes, lambda dev) it exits as soon as the link closes, as before', async () => {
    const socketPath = join(tempDir('link-'), 'agent.sock')
    const link = openLink(socketPath)
    const runtime = startRuntime(socketPath)
    await link.ready
    await link.close()
    expect(await runtime.exited).toBe(0)
  })

  it('the function cannot read the grace or the agent\'s socket from its environment', async () => {
    const socketPath = join(tempDir('link-'), 'agent.sock')
    const link = openLink(socketPath)
    const handler = join(tempDir('fn-'), 'index.mjs')
    writeFileSync(handler, 'export default () => ({ grace: process.env.LAMBDA_ADOPT_GRACE_MS ?? null, socket: process.env.LAMBDA_AGENT_SOCKET ?? null })\n')
    const child = spawn(process.execPath, [runtimeBootstrap], { env: { PATH: process.env.PATH!, LAMBDA_AGENT_SOCKET: socketPath, LAMBDA_HANDLER: handler, LAMBDA_ADOPT_GRACE_MS: '5000' }, stdio: 'ignore' })
    afterThisTest(() => child.kill('SIGKILL'))
    await link.ready
    const { body } = await requestOverLink(link, '/')
    expect(JSON.parse(body)).toEqual({ grace: null, socket: null })
  })
})
