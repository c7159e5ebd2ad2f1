import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const trap = fileURLToPath(new URL('../../src/agent/unhandled-rejections.ts', import.meta.url))

/** A process that rejects a promise nobody awaits, then says whether it is still alive 50 ms later. */
function rejectUnhandled(trapped: boolean) {
  const script = `
    ${trapped ? `const { createJiti } = await import('jiti'); const { trapUnhandledRejections } = await createJiti(import.meta.url).import(${JSON.stringify(trap)}); trapUnhandledRejections()` : ''}
    Promise.reject(new Error('the metrics save failed'))
    setTimeout(() => console.log('still serving'), 50)
  `
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
}

describe('a background task that fails with nothing to handle it', () => {
  it('ends a plain Node process (the default the agent must not keep)', () => {
    const result = rejectUnhandled(false)
    expect(result.status).not.toBe(0)
    expect(result.stdout).not.toContain('still serving')
  })

  it('is logged as a bug, with its reason, and the agent goes on serving', () => {
    const result = rejectUnhandled(true)
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout + result.stderr).toContain('still serving')
    expect(result.stdout + result.stderr).toMatch(/nothing handled it; the agent goes on serving[\s\S]*the metrics save failed/)
  })
})
