import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/paths'

/** What users read: the README, docs/, the project templates and the workflows. */
function readable(): Array<{ file: string, text: string }> {
  const roots = ['README.md', 'docs', 'templates', '.github/workflows']
  const files: string[] = []
  const walk = (path: string) => {
    try {
      for (const entry of readdirSync(path, { withFileTypes: true })) walk(join(path, entry.name))
    }
    catch {
      files.push(path)
    }
  }
  for (const root of roots) walk(join(repoRoot, root))
  return files.filter(file => /\.(?:md|ya?ml|ts|json)$/.test(file)).map(file => ({ file: relative(repoRoot, file), text: readFileSync(file, 'utf8') }))
}

describe('the docs tell one port story: the agent on 80 (443 with TLS), another port only where it is given', () => {
  it('the README installs without --port and points the CLI at the agent without one', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    const install = readme.match(/lambda agent install [^`\n]*/)![0]
    expect(install).not.toContain('--port')
    for (const [, url] of readme.matchAll(/lambda config set-host (\S+)/g)) expect(new URL(url!).port, url).toBe('')
  })

  it('no address of an agent on :7070 where nothing set it there', () => {
    for (const { file, text } of readable()) {
      if (text.includes('--port 7070')) continue
      expect(text, file).not.toMatch(/[\w.\]]:7070\b/)
    }
  })

  it('every `set-host` example without a port reaches the default port; one with a port is for an agent given that port', () => {
    for (const { file, text } of readable()) {
      for (const [, url] of text.matchAll(/lambda config set-host (https?:\/\/[^\s`]+)/g)) {
        const port = new URL(url!).port
        if (port) expect(text, `${file}: ${url}`).toContain(`--port ${port}`)
      }
    }
  })
})
