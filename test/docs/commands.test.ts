import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { completionTree } from '../../src/cli/completion/command-tree'
import { main } from '../../src/cli/main'
import { repoRoot } from '../helpers/paths'
import { checkCommand, commandSections, findCommands } from './doc-commands'

/** Command lines the docs show on purpose as ones the CLI refuses (docs/cli.md, "The command line"). */
const REFUSED_ON_PURPOSE = new Set(['lambda deplyo', 'lambda dev --prot 3104'])

const pages = ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(repoRoot, 'docs')).filter(f => f.endsWith('.md')).map(f => `docs/${f}`)]

describe('every `lambda …` command line in the docs exists, with the flags it names', () => {
  it.each(pages)('%s', async (page) => {
    const tree = await completionTree(main)
    const problems = findCommands(page, readFileSync(join(repoRoot, page), 'utf8'))
      .filter(found => !REFUSED_ON_PURPOSE.has(found.text))
      .flatMap(found => checkCommand(found.text, tree).map(problem => `${page}:${found.line}: \`${found.text}\`: ${problem}`))
    expect(problems).toEqual([])
  })

  it('finds them: the docs name most commands', async () => {
    const all = pages.flatMap(page => findCommands(page, readFileSync(join(repoRoot, page), 'utf8')))
    expect(all.length).toBeGreaterThan(150)
    const named = new Set(all.map(found => found.text.split(/\s+/)[1]))
    for (const command of Object.keys(main.subCommands as object)) expect(named, command).toContain(command)
  })
})

describe('the check itself', () => {
  it('refuses a command or a flag the CLI does not have, and takes what the docs write around real ones', async () => {
    const tree = await completionTree(main)
    expect(checkCommand('lambda deploy --nope', tree)).toEqual(['lambda deploy has no flag --nope'])
    expect(checkCommand('lambda config sethost x', tree)).toEqual(['lambda config has no command sethost'])
    expect(checkCommand('lambda agent keys revoke <id> --json', tree)).toEqual([])
    expect(checkCommand('lambda agent install [--port] [--domain] [--dry-run]', tree)).toEqual([])
    expect(checkCommand('lambda schedule rm|pause|resume <id>', tree)).toEqual([])
    expect(checkCommand('lambda --verbose deploy --only hello,echo', tree)).toEqual([])
    expect(checkCommand('lambda dev --port 3000 --no-schedules', tree)).toEqual([])
    expect(findCommands('x.md', 'Run `lambda deploy\n--dry-run` or\n\n```sh\n$ sudo lambda agent status   # here\nnpm test && npx lambda build\n```\nAWS Lambda, `lambda.config.ts`').map(c => c.text))
      .toEqual(['lambda deploy --dry-run', 'lambda agent status', 'lambda build'])
  })
})

describe('docs/cli.md: each command\'s section names only flags that command has', () => {
  it('every `--flag` in a `### lambda …` section is a flag of a command its heading names', async () => {
    const tree = await completionTree(main)
    const byPath = new Map(tree.map(command => [command.path.join(' '), command]))
    const sections = commandSections(readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8'), tree)
    expect(sections.length).toBeGreaterThan(25)
    const problems = sections.flatMap(section => section.flags
      .filter(({ flag }) => !section.commands.some(path => byPath.get(path)?.flags.some(f => f.names.includes(flag))))
      .map(({ flag, line }) => `docs/cli.md:${line}: ${flag} is not a flag of ${section.commands.join(', ')}`))
    expect(problems).toEqual([])
  })
})

describe('docs/cli.md names every template of `lambda new`', () => {
  it('each template in templates/functions is named in the section, and nothing else is offered', async () => {
    const { functionTemplates } = await import('../../src/scaffold/new-function')
    const text = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8')
    const section = text.split('### `lambda new <name>`')[1]!.split('\n### ')[0]!
    const named = [...section.matchAll(/`(?:--template )?([a-z]+)`/g)].map(m => m[1]!).filter(word => !['template', 'force'].includes(word))
    expect(new Set(named.filter(word => ['web', 'lambda', 'docker', ...functionTemplates()].includes(word)))).toEqual(new Set(functionTemplates()))
  })
})

describe('docs/install.md works on a fresh cloud VM', () => {
  const text = readFileSync(join(repoRoot, 'docs/install.md'), 'utf8')
  const shellLines = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(m => m[1]!.split('\n')).map(line => line.replace(/\s+#.*$/, '').trim()).filter(Boolean)

  it('logs in as a sudo user (cloud images refuse root over ssh) and runs what changes the system with sudo', () => {
    expect(text).not.toMatch(/\broot@/)
    expect(shellLines.some(line => /^ssh \w+@203\.0\.113\.7$/.test(line))).toBe(true)
    const changesSystem = /^(?:apt-get (?:install|update)|systemctl (?:enable|restart|stop)|ufw |npm install -g|bash nodesource|lambda agent (?:install(?!.*--dry-run)|uninstall|keys create))/
    expect(shellLines.filter(line => changesSystem.test(line))).toEqual([])
    expect(shellLines.filter(line => line.startsWith('sudo ')).length).toBeGreaterThan(8)
  })

  it('gives the commands for Node.js 20.19+ where the distribution ships an older one, and says the VM needs the npm registry', () => {
    expect(shellLines).toContain('sudo apt-get install -y nodejs')
    expect(text).toMatch(/deb\.nodesource\.com\/setup_2\d\.x/)
    expect(text).toContain('the npm registry')
  })

  it('says the admin key is printed once by the install, never that it is in the journal', () => {
    expect(text).not.toMatch(/journalctl[^\n]*the admin API key/i)
    expect(text).toMatch(/prints the admin API key, once/)
    expect(text).toContain('never written to the journal')
  })
})
