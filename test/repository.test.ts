import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { npm } from './helpers/npm'
import { repoRoot } from './helpers/paths'

const run = promisify(execFile)

it('the tarball `npm pack` leaves in a clone (docs/install.md) is ignored by git, not an untracked file', async () => {
  // The name npm gives it, without writing it.
  const { stdout } = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], repoRoot)
  const { filename } = (JSON.parse(stdout) as Array<{ filename: string }>)[0]!
  expect(filename).toMatch(/^mini-lambda-.+\.tgz$/)
  // Exit 0: ignored (check-ignore exits 1 for a path no rule ignores).
  await expect(run('git', ['check-ignore', '--quiet', filename], { cwd: repoRoot })).resolves.toBeDefined()
})
