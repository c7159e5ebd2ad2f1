import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { SERVICE_NAME } from './service-paths'

const run = promisify(execFile)

/**
 * What the service wrote to the journal since `since`: its warnings and errors (the agent gives each line
 * its priority) or, when it wrote none, its last lines. A crash loop repeats itself: each line once.
 */
export async function journalExcerpt(since: Date, maxLines = 12): Promise<string[]> {
  const read = async (extra: string[]) => {
    try {
      const { stdout } = await run('journalctl', ['--unit', `${SERVICE_NAME}.service`, '--since', `@${Math.floor(since.getTime() / 1000)}`, '--output', 'cat', '--no-pager', '--quiet', ...extra], { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 })
      return stdout.split('\n').filter(line => line.trim() !== '')
    }
    catch {
      return []
    }
  }
  const lines = await read(['--priority', 'warning'])
  const chosen = lines.length > 0 ? lines : await read(['--lines', String(maxLines)])
  return [...new Set(chosen)].slice(-maxLines)
}
