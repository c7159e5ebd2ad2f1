import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main'
import { runCli } from '../helpers/cli'
import { cliPath } from '../helpers/paths'

const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0
const work = mkdtempSync(join(tmpdir(), 'lambda-completion-'))

/** Each script, written where the shells below source it. */
const scripts: Record<string, string> = {}
beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = await runCli(['completion', shell])
    expect(result.code, result.output).toBe(0)
    scripts[shell] = join(work, `lambda.${shell}`)
    writeFileSync(scripts[shell], result.stdout)
  }
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Where names come from at TAB: a project (its function folders) and a settings file (its contexts). */
const project = join(work, 'project')
const settingsHome = join(work, 'config')
beforeAll(() => {
  mkdirSync(join(project, 'functions', 'hello', 'lib'), { recursive: true })
  writeFileSync(join(project, 'lambda.config.ts'), 'export default {}\n')
  writeFileSync(join(project, 'functions', 'hello', 'index.ts'), 'export default () => \'hi\'\n')
  mkdirSync(join(project, 'functions', 'resize'))
  writeFileSync(join(project, 'functions', 'resize', 'Dockerfile'), 'FROM node:20\n')
  // Not functions: shared code, a folder without an entry, a name no function may have.
  for (const folder of ['_shared', 'notes', 'Bad_Name']) mkdirSync(join(project, 'functions', folder))
  writeFileSync(join(project, 'functions', '_shared', 'index.ts'), '')
  writeFileSync(join(project, 'functions', 'Bad_Name', 'index.ts'), '')
  mkdirSync(join(settingsHome, 'mini-lambda'), { recursive: true })
  // As `lambda config` writes it, with a hand edit or two (a context on one line, a tricky string).
  writeFileSync(join(settingsHome, 'mini-lambda', 'settings.json'), `{
  "host": "http://127.0.0.1:9",
  "context": "prod",
  "contexts": {
    "prod": { "host": "https://fn.example.com", "apiKey": "mlk_x_\\"}{" },
    "staging.eu": {"host": "http://staging"}
  },
  "other": { "not-a-context": {} }
}
`)
})

/** What bash offers at TAB after `words` (the last one being completed), through the completion function bash registered. */
function bashCompletes(...words: string[]): string[] {
  return bashCompletesIn(work, ...words)
}

function bashCompletesIn(cwd: string, ...words: string[]): string[] {
  const script = `
lambda() { ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} "$@"; }
source <(lambda completion bash)
COMP_WORDS=(${words.map(w => `'${w}'`).join(' ')})
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
COMP_LINE="\${COMP_WORDS[*]}"
COMP_POINT=\${#COMP_LINE}
# The function bash calls for lambda, as \`complete -p\` says.
fn=$(complete -p lambda | sed -E 's/.*-F ([^ ]+).*/\\1/')
"$fn" lambda "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: settingsHome } })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result.stdout.split('\n').filter(Boolean)
}

describe('lambda completion bash, sourced in a real bash', () => {
  it('completes `lambda dep<TAB>` to deploy', () => {
    expect(bashCompletes('lambda', 'dep')).toEqual(['deploy'])
  })

  it('offers every command of the CLI\'s own tree, and each group\'s subcommands', async () => {
    expect(bashCompletes('lambda', '')).toEqual(Object.keys(main.subCommands as object))
    expect(bashCompletes('lambda', 'agent', 'keys', '')).toEqual(['create', 'list', 'grant', 'ungrant', 'rate', 'revoke'])
    expect(bashCompletes('lambda', 'inv')).toEqual(['invoke', 'invocations', 'invocation'])
    // `lambda help <command…>` walks the same tree.
    expect(bashCompletes('lambda', 'help', 'agent', 'k')).toEqual(['keys'])
  })

  it('completes flags, and the values of flags that have a fixed set, after a space or an =', () => {
    expect(bashCompletes('lambda', 'deploy', '--dr')).toEqual(['--dry-run'])
    expect(bashCompletes('lambda', 'deploy', '--')).toEqual(expect.arrayContaining(['--only', '--json', '--verbose', '--help']))
    expect(bashCompletes('lambda', 'agent', '--provider', '')).toEqual(['docker', 'process', 'auto'])
    // bash splits --provider=d into three words by default.
    expect(bashCompletes('lambda', 'agent', '--provider', '=', 'd')).toEqual(['docker'])
    expect(bashCompletes('lambda', 'new', 'orders', '-t', '')).toEqual(['docker', 'lambda', 'web'])
    expect(bashCompletes('lambda', 'completion', '')).toEqual(['bash', 'zsh', 'fish'])
    // A value with no fixed set: nothing from the tree (bash falls back to file names), never a command.
    expect(bashCompletes('lambda', 'logs', '--since', '')).toEqual([])
    // A subcommand comes first: after a flag of `lambda agent`, \`keys\` would be an argument; --verbose goes anywhere.
    expect(bashCompletes('lambda', 'agent', '--port', '7070', '')).toEqual([])
    expect(bashCompletes('lambda', '--verbose', 'dep')).toEqual(['deploy'])
  })

  it('offers the project\'s function names where a function is named, from any folder of the project', () => {
    expect(bashCompletesIn(project, 'lambda', 'invoke', '')).toEqual(['hello', 'resize'])
    expect(bashCompletesIn(join(project, 'functions', 'hello', 'lib'), 'lambda', 'logs', 'h')).toEqual(['hello'])
    for (const command of ['rollback', 'versions', 'delete', 'metrics', 'build']) expect(bashCompletesIn(project, 'lambda', command, 'r'), command).toEqual(['resize'])
    expect(bashCompletesIn(project, 'lambda', 'deploy', '--only', '')).toEqual(['hello', 'resize'])
    // Not where a name is new, nor outside a project.
    expect(bashCompletesIn(project, 'lambda', 'new', '')).toEqual([])
    expect(bashCompletesIn(work, 'lambda', 'invoke', '')).toEqual([])
  })

  it('offers the saved contexts for use-context and --context', () => {
    expect(bashCompletes('lambda', 'config', 'use-context', '')).toEqual(['default', 'prod', 'staging.eu'])
    expect(bashCompletes('lambda', 'list', '--context', 's')).toEqual(['staging.eu'])
    expect(bashCompletes('lambda', 'deploy', '--context', '=', 'p')).toEqual(['prod'])
    expect(bashCompletes('lambda', 'config', 'set-host', 'http://x', '--context', '')).toEqual(['default', 'prod', 'staging.eu'])
  })

  it('can be sourced twice (a second ~/.bashrc load) without an error', () => {
    const result = spawnSync('bash', ['--norc', '-c', `source ${scripts.bash}; source ${scripts.bash}; complete -p lambda`], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('__lambda_complete lambda')
  })
})

describe.skipIf(!has('zsh'))('lambda completion zsh', () => {
  it('completes commands, subcommands and flag values through _describe and compadd', () => {
    // compsys' functions stand in as recorders: this zsh has no terminal to complete on.
    const probe = (words: string[]) => `words=(${words.map(w => `'${w}'`).join(' ')}); CURRENT=$#words; _lambda`
    const script = `
compdef() { :; }
compset() { :; }
_describe() { local name; for name in \${(P)\${@[-1]}}; do [[ \${name%%:*} == \${words[CURRENT]}* ]] && print -r -- "\${name%%:*}"; done; }
compadd() { print -rl -- \${(P)2}; }
_files() { print -r -- '(files)'; }
source ${scripts.zsh}
print -- '--1'; ${probe(['lambda', 'dep'])}
print -- '--2'; ${probe(['lambda', 'agent', 'keys', ''])}
print -- '--3'; ${probe(['lambda', 'agent', '--provider', ''])}
print -- '--4'; ${probe(['lambda', 'help', 'agent', 'k'])}
print -- '--5'; ${probe(['lambda', 'invoke', ''])}
print -- '--6'; ${probe(['lambda', 'config', 'use-context', ''])}
print -- '--7'; ${probe(['lambda', 'list', '--context', ''])}`
    const result = spawnSync('zsh', ['-f', '-c', script], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: settingsHome } })
    expect(result.stderr).toBe('')
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['--1', 'deploy', '--2', 'create', 'list', 'grant', 'ungrant', 'rate', 'revoke', '--3', 'docker', 'process', 'auto', '--4', 'keys', '--5', 'hello', 'resize', '--6', 'default', 'prod', 'staging.eu', '--7', 'default', 'prod', 'staging.eu'])
  })
})

describe.skipIf(!has('fish'))('lambda completion fish', () => {
  it('completes with descriptions, as `complete -C` shows', () => {
    const complete = (line: string) => spawnSync('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C '${line}'`], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: settingsHome } }).stdout.split('\n').filter(Boolean).map(row => row.split('\t')[0])
    expect(complete('lambda dep')).toEqual(['deploy'])
    expect(complete('lambda agent keys ')).toEqual(['create', 'grant', 'list', 'rate', 'revoke', 'ungrant'])
    expect(complete('lambda agent --provider ')).toEqual(['auto', 'docker', 'process'])
    expect(complete('lambda deploy --dr')).toEqual(['--dry-run'])
    expect(complete('lambda invoke ')).toEqual(['hello', 'resize'])
    expect(complete('lambda config use-context ')).toEqual(['default', 'prod', 'staging.eu'])
    expect(complete('lambda list --context ')).toEqual(['default', 'prod', 'staging.eu'])
  })
})

it('an unknown shell is a usage error naming the ones there are', async () => {
  const result = await runCli(['completion', 'powershell'])
  expect(result.code).toBe(2)
  expect(result.stderr).toContain('the shells are bash, zsh, fish')
})
