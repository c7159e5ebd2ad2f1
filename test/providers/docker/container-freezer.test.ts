import type Dockerode from 'dockerode'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ensureBaseImage } from '../../../src/providers/docker/base-image'
import { cgroupMemoryBytes } from '../../../src/providers/docker/cgroup-memory'
import { containerMemoryBytes, pauseContainer, unpauseContainer } from '../../../src/providers/docker/container-freezer'
import { describeDocker } from '../../helpers/docker'

const MB = 1024 * 1024

describeDocker('pausing a container, and the memory it holds', () => {
  const docker = new Docker()
  const tmpDir = mkdtempSync(join(tmpdir(), 'ml-freezer-'))
  let container: Dockerode.Container

  beforeAll(async () => {
    const base = await ensureBaseImage(docker, { tmpDir })
    // 40 MB written, so resident: what a paused instance keeps is measurable.
    container = await docker.createContainer({
      Image: base.tag,
      Entrypoint: ['node', '-e', 'globalThis.kept = Buffer.alloc(40 * 1024 * 1024, 1); setInterval(() => {}, 1e9); console.log("up")'],
      Labels: { 'mini-lambda-test.run': 'freezer' },
      HostConfig: { NetworkMode: 'none', AutoRemove: false },
    })
    await container.start()
    for (let i = 0; i < 100 && !(await container.logs({ stdout: true }) as unknown as Buffer).toString().includes('up'); i++) await new Promise(r => setTimeout(r, 100))
  }, 120_000)

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => {})
    rmSync(tmpDir, { recursive: true, force: true })
  })

  const paused = async () => (await container.inspect()).State.Paused

  it('pause freezes it and unpause thaws it; asking twice is not an error', async () => {
    await pauseContainer(container)
    expect(await paused()).toBe(true)
    await pauseContainer(container)
    expect(await paused()).toBe(true)
    await unpauseContainer(container)
    expect(await paused()).toBe(false)
    await unpauseContainer(container)
    expect((await container.inspect()).State.Running).toBe(true)
  })

  it('a paused container still holds its memory, read from its cgroup as the stats API counts it', async () => {
    await pauseContainer(container)
    const bytes = await containerMemoryBytes(container)
    expect(bytes).toBeGreaterThan(40 * MB)
    const stats = await container.stats({ stream: false }) as { memory_stats: { usage: number, stats: Record<string, number> } }
    const { usage, stats: detail } = stats.memory_stats
    const api = usage - (detail.total_inactive_file ?? detail.inactive_file ?? 0)
    // Frozen: nothing moves between the two readings but the engine's own bookkeeping.
    expect(Math.abs(bytes! - api)).toBeLessThan(4 * MB)
    const fromCgroup = await cgroupMemoryBytes(container.id)
    console.log(`[freezer] paused container: ${(bytes! / MB).toFixed(1)} MB (${fromCgroup === undefined ? 'stats API: no cgroup files where Docker usually puts them' : 'host cgroup files'}); stats API ${(api / MB).toFixed(1)} MB`)
    await unpauseContainer(container)
  })

  it('only a container id is ever made into a cgroup path', async () => {
    expect(await cgroupMemoryBytes('../../../etc')).toBeUndefined()
    expect(await cgroupMemoryBytes(`${'a'.repeat(63)}/`)).toBeUndefined()
  })

  it('a removed container has no memory to report', async () => {
    const gone = await docker.createContainer({ Image: (await container.inspect()).Config.Image, Entrypoint: ['true'], HostConfig: { NetworkMode: 'none' } })
    await gone.remove({ force: true })
    expect(await containerMemoryBytes(gone)).toBeUndefined()
  })
})
