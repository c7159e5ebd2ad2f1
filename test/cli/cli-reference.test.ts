import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineCommand } from 'citty'
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main'
import { collectCommands, flagSyntax, renderCliReference } from '../../src/cli/reference/render-reference'
import { repoRoot } from '../helpers/paths'

const committed = () => readFileSync(join(repoRoot, 'docs/cli-reference.md'), 'utf8')

describe('docs/cli-reference.md', () => {
  it('is what `npm run docs:cli` generates from the commands today', async () => {
    // On a difference: run `npm run docs:cli` and commit docs/cli-reference.md.
    expect(committed()).toBe(await renderCliReference(main))
  })

  it('names every command, subcommand, argument and flag', async () => {
    const text = committed()
    const entries = await collectCommands(main)
    expect(entries.length).toBeGreaterThan(30)
    for (const entry of entries.filter(e => e.path.length > 0)) {
      const name = `lambda ${entry.path.join(' ')}`
      const section = text.split(`## \`${name}\`\n`)[1]?.split('\n## ')[0]
      expect(section, `${name} has no section`).toBeDefined()
      for (const [arg, def] of Object.entries(entry.args)) {
        if (def.type === 'positional') expect(section, `${name}: argument ${arg}`).toMatch(new RegExp(`\`[<[]${arg}…?[>\\]]\``))
        else expect(section, `${name}: flag --${arg}`).toContain(`| \`${flagSyntax(arg, def).replace(/\|/g, '\\|')}\` |`)
      }
    }
    // Spot checks against what a user types.
    for (const line of ['## `lambda agent keys create`', '## Global flags', '| `--verbose` |', '`--cron <expr>`', '`--[no-]logs`', '`--json`', '`--port, -p <port>`']) { expect(text).toContain(line) }
  })

  it('goes out of date when a command gains a flag or a subcommand', async () => {
    const extended = defineCommand({
      meta: { name: 'lambda' },
      subCommands: {
        ...main.subCommands as object,
        deploy: async () => {
          const deploy = await import('../../src/cli/commands/deploy').then(m => m.default)
          return { ...deploy, args: { ...deploy.args, 'new-flag': { type: 'boolean', description: 'A new flag' } } }
        },
        upgrade: defineCommand({ meta: { name: 'upgrade', description: 'A new command' }, run: () => {} }),
      },
    })
    const rendered = await renderCliReference(extended)
    expect(rendered).toContain('`--new-flag`')
    expect(rendered).toContain('## `lambda upgrade`')
    expect(rendered).not.toBe(committed())
  })
})
