import { chownSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'

/** Every path under `dir`, itself included. */
function tree(dir: string): string[] {
  return [dir, ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map(p => join(dir, p))]
}

describe('root managing keys of an agent that runs as another user (the systemd service)', () => {
  it.skipIf(process.getuid?.() !== 0)('sudo lambda agent keys create leaves every file owned by the data dir\'s owner', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lambda-owner-'))
    try {
      // As `lambda agent install` leaves it: the data dir belongs to the service user ("nobody" here).
      chownSync(dataDir, 65534, 65534)
      const created = await runCli(['agent', 'keys', 'create', '--name', 'ci', '--data-dir', dataDir])
      expect(created.code, created.output).toBe(0)
      const paths = tree(dataDir)
      expect(paths.length).toBeGreaterThan(3)
      expect(paths.filter(p => statSync(p).uid !== 65534 || statSync(p).gid !== 65534)).toEqual([])
    }
    finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
