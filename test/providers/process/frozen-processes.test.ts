import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FrozenProcesses } from '../../../src/providers/process/frozen-processes'
import { afterThisTest, tempDir } from '../../helpers/cleanups'

function child(): number {
  const proc = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
  afterThisTest(() => void proc.kill('SIGKILL'))
  return proc.pid!
}

describe('the list of frozen instances (process provider)', () => {
  it('says a freeze is safe only once the pid is on disk', async () => {
    const file = join(tempDir('frozen-'), 'frozen-processes.json')
    const pid = child()
    await new FrozenProcesses(file).mark(pid, true)
    expect(JSON.parse(readFileSync(file, 'utf8')).map((entry: { pid: number }) => entry.pid)).toEqual([pid])
  })

  it('refuses a freeze it could not write down (a full disk), so no process is stopped that a kill -9 of the agent would orphan', async () => {
    // A file where the list's folder should be: every write fails, as on a full disk.
    const blocked = join(tempDir('frozen-'), 'not-a-folder')
    writeFileSync(blocked, '')
    const frozen = new FrozenProcesses(join(blocked, 'frozen-processes.json'))
    const pid = child()
    await expect(frozen.mark(pid, true)).rejects.toThrow()
    // A thaw and the next start's clean-up never fail on it.
    await expect(frozen.mark(pid, false)).resolves.toBeUndefined()
    await expect(frozen.endLeftovers()).resolves.toBe(0)
  })
})
