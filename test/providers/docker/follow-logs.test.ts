import type Dockerode from 'dockerode'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ensureBaseImage } from '../../../src/providers/docker/base-image'
import { followContainerLogs } from '../../../src/providers/docker/follow-logs'
import { describeDocker } from '../../helpers/docker'

const LINES = 3000

describeDocker('following a container\'s output across Docker\'s log rotation', () => {
  const docker = new Docker()
  const tmpDir = mkdtempSync(join(tmpdir(), 'ml-follow-'))
  let base: string
  const containers: Dockerode.Container[] = []

  beforeAll(async () => {
    base = (await ensureBaseImage(docker, { tmpDir })).tag
  }, 120_000)

  afterAll(async () => {
    for (const container of containers) await container.remove({ force: true }).catch(() => {})
    rmSync(tmpDir, { recursive: true, force: true })
  })

  it('delivers every line once, in order, though the json-file log rotates many times under it', async () => {
    // 1 KB files: the log rotates every ~10 lines, hundreds of times while it is followed.
    const container = await docker.createContainer({
      Image: base,
      Entrypoint: ['node', '-e', `let i = 0; const t = setInterval(() => { for (let k = 0; k < 10 && i < ${LINES}; k++) console.log('line ' + i++); if (i >= ${LINES}) { clearInterval(t); setTimeout(() => {}, 300) } }, 2)`],
      Labels: { 'mini-lambda-test.run': 'follow-logs' },
      HostConfig: { NetworkMode: 'none', AutoRemove: false, LogConfig: { Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '2' } } },
    })
    containers.push(container)
    const seen: string[] = []
    await container.start()
    const followed = await followContainerLogs(docker, container, line => void seen.push(line))
    await followed.ended
    followed.stop()
    const numbers = seen.map(line => Number(/^line (\d+)$/.exec(line)?.[1]))
    const duplicates = numbers.length - new Set(numbers).size
    console.log(`${LINES} lines printed across ~${LINES / 10} rotations: ${seen.length} delivered, ${duplicates} twice`)
    expect(duplicates).toBe(0)
    // Rotation may lose what was written while Docker reopened the file (its own limit), never repeat or reorder it.
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b))
  }, 120_000)
})
