import { lstatSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, expect, it } from 'vitest'
import { receiveUpload } from '../../../src/agent/upload/receive-upload'
import { buildTar } from '../../helpers/tar'

const work = mkdtempSync(join(tmpdir(), 'lambda-upload-modes-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const modeOf = (path: string) => statSync(path).mode & 0o7777

it('unpacks with the modes the image needs whatever the agent\'s umask (0077 under its systemd unit)', async () => {
  const dest = join(work, 'upload')
  const previous = process.umask(0o077)
  try {
    await receiveUpload(Readable.from([buildTar([
      { path: 'index.mjs', mode: 0o600, body: 'export default () => 1\n' },
      { path: 'bin/run', mode: 0o700, body: '#!/bin/sh\n' },
      // A folder the archive never declares, made on the way to its file.
      { path: 'lib/deep/util.mjs', mode: 0o644, body: 'export const x = 1\n' },
      { path: 'private', type: 'Directory', mode: 0o700 },
      { path: 'setuid', mode: 0o4755, body: '#!/bin/sh\n' },
      { path: 'link.mjs', type: 'SymbolicLink', linkpath: 'index.mjs' },
    ])]), dest)
  }
  finally {
    process.umask(previous)
  }
  // Readable by the function's user, which owns none of these files; nothing more than that.
  expect(modeOf(join(dest, 'index.mjs'))).toBe(0o644)
  expect(modeOf(join(dest, 'bin/run'))).toBe(0o755)
  expect(modeOf(join(dest, 'bin'))).toBe(0o755)
  expect(modeOf(join(dest, 'lib'))).toBe(0o755)
  expect(modeOf(join(dest, 'lib/deep'))).toBe(0o755)
  expect(modeOf(join(dest, 'lib/deep/util.mjs'))).toBe(0o644)
  expect(modeOf(join(dest, 'private'))).toBe(0o755)
  expect(modeOf(join(dest, 'setuid'))).toBe(0o755)
  expect(lstatSync(join(dest, 'link.mjs')).isSymbolicLink()).toBe(true)
})
