import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { createProject } from '../helpers/project'

// No agent anywhere: a command line that is refused must be refused before anything is tried.
const settings = mkdtempSync(join(tmpdir(), 'lambda-cli-args-'))
const env = { XDG_CONFIG_HOME: settings, LAMBDA_HOST: 'http://127.0.0.1:9', LAMBDA_API_KEY: '' }
const project = createProject({}, { samples: true })
afterAll(() => {
  rmSync(settings, { recursive: true, force: true })
  project.remove()
})

const cli = (args: string[]) => runCli(args, { cwd: project.dir, env })

describe('a command line the CLI does not understand is an error (exit 2), never a guess', () => {
  it('an unknown command names the closest one instead of printing the help', async () => {
    const result = await cli(['deplyo'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Unknown command "deplyo"')
    expect(result.stderr).toContain('Did you mean deploy?')
    expect(result.stdout).toBe('')
  })

  it('so does an unknown subcommand of each group', async () => {
    for (const [args, guess] of [[['config', 'sethost', 'x'], 'set-host'], [['agent', 'keys', 'lst'], 'list'], [['secrets', 'lsit'], 'list'], [['agent', 'kyes'], 'keys']] as const) {
      const result = await cli([...args])
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toContain(`Did you mean ${guess}?`)
    }
  })

  it('`lambda dev --prot 3104` is refused instead of serving on the default port', async () => {
    const result = await cli(['dev', '--prot', '3104'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Unknown option --prot for `lambda dev`. Did you mean --port?')
    expect(result.output).not.toContain('dev server on')
  })

  it('a port that is not one is refused: --port abc, --port 99999, --port with nothing after it', async () => {
    for (const value of ['abc', '99999', '-1', '3.5']) {
      const result = await cli(['dev', '--port', value])
      expect(result.code, value).toBe(2)
      expect(result.stderr, value).toContain(`Invalid value for --port: "${value}" is not a port number`)
    }
    const missing = await cli(['dev', '--port'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--port needs a value')
  })

  it('`lambda list --jsno` is refused instead of printing the table', async () => {
    const result = await cli(['list', '--jsno'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Did you mean --json?')
    expect(result.output).not.toContain('Could not reach')
  })

  it('every command refuses a flag it does not have, before doing anything', async () => {
    const commands = [
      ['init'],
      ['new', 'x'],
      ['dev'],
      ['build'],
      ['deploy'],
      ['invoke', 'hello'],
      ['list'],
      ['delete', 'hello'],
      ['versions', 'hello'],
      ['rollback', 'hello'],
      ['releases'],
      ['secrets', 'set', 'tok'],
      ['secrets', 'list'],
      ['secrets', 'rm', 'tok'],
      ['config', 'set-host', 'x'],
      ['config', 'set-key', 'x'],
      ['config', 'show'],
      ['agent'],
      ['agent', 'keys', 'create'],
      ['agent', 'keys', 'list'],
      ['agent', 'keys', 'revoke', 'x'],
    ]
    const results = await Promise.all(commands.map(args => cli([...args, '--bogus'])))
    results.forEach((result, i) => {
      const name = `lambda ${commands[i]!.filter(a => a !== 'x' && a !== 'hello' && a !== 'tok').join(' ')}`
      expect(result.code, name).toBe(2)
      expect(result.stderr, name).toContain(`Unknown option --bogus for \`${name}\``)
    })
  })

  it('a value outside its choices names the closest one', async () => {
    const result = await cli(['agent', '--provider', 'dockr'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Invalid value for --provider: "dockr" is not one of docker, process, auto. Did you mean docker?')
  })

  it('`--only` with a function the project does not have is refused before anything is built or sent', async () => {
    const result = await cli(['deploy', '--only', 'helo'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--only names "helo", which is not a function of this project. Did you mean hello?')
    expect(result.output).not.toContain('Could not reach')
  })

  it('missing and extra arguments are usage errors too', async () => {
    const missing = await cli(['versions'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('`lambda versions` needs <name>')
    const extra = await cli(['list', 'hello'])
    expect(extra.code).toBe(2)
    expect(extra.stderr).toContain('Unexpected argument "hello" for `lambda list`')
    const version = await cli(['rollback', 'hello', 'latest'])
    expect(version.code).toBe(2)
    expect(version.stderr).toContain('"latest" is not a version number')
  })

  it('options go after the command they belong to', async () => {
    const result = await cli(['--json', 'list'])
    expect(result.code).toBe(2)
    expect(result.output).toContain('Options go after the command: `lambda list --json`')
  })

  it('reads what citty users write: aliases, --x=value, --no-x, -x value and -- (the end of options)', async () => {
    // All valid: each fails only later, for its own reason (no agent answers on port 9), with exit 1.
    for (const args of [['list', '--json=true'], ['list', '--no-json'], ['list', '--json=false', '--show-env'], ['invoke', 'hello', '-X', 'post', '-H', 'a: b', '-H', 'c: d'], ['invoke', '-d', '-1', '--', '--odd-name']]) {
      const result = await cli(args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.output, args.join(' ')).toContain('Could not reach the agent at http://127.0.0.1:9')
    }
    const built = await cli(['build', '-c', 'lambda.config.ts', '--', 'hello'])
    expect(built.code, built.output).toBe(0)
    expect(built.output).toContain('hello')
    const notAFunction = await cli(['build', '--', '--hello'])
    expect(notAFunction.code).toBe(2)
    expect(notAFunction.stderr).toContain('"--hello" is not a function of this project')
  })

  it('with --json, a usage error is a JSON document on stdout', async () => {
    const result = await cli(['list', '--json', '--jsno'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'UNKNOWN_OPTION', message: 'Unknown option --jsno for `lambda list`. Did you mean --json?', hint: expect.stringContaining('--show-env') } })
  })

  it('runtime failures keep exit 1; --help and a bare group show the help with exit 0', async () => {
    expect((await cli(['list'])).code).toBe(1)
    const help = await cli(['deploy', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--dry-run')
    expect(help.stdout).not.toContain('\u001B[')
    const group = await cli(['config'])
    expect(group.code).toBe(0)
    expect(group.stdout).toContain('set-host')
  })
})
