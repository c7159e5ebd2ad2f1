import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'

// `lambda help <command>` as git, npm and wrangler users type it.
describe('lambda help [command…]', () => {
  it('alone lists every command, exit 0, like `lambda --help`', async () => {
    const help = await runCli(['help'])
    expect(help.code, help.output).toBe(0)
    expect(help.stdout).toBe((await runCli(['--help'])).stdout)
    for (const command of ['deploy', 'invoke', 'agent', 'help']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\s{2,}`, 'm'))
    expect(help.stdout).toContain('--verbose')
  })

  it('with a command prints that command\'s help, as `--help` does, for subcommands too', async () => {
    for (const words of [['deploy'], ['agent', 'keys', 'create'], ['config'], ['schedule', 'history']]) {
      const help = await runCli(['help', ...words])
      expect(help.code, words.join(' ')).toBe(0)
      expect(help.stdout, words.join(' ')).toBe((await runCli([...words, '--help'])).stdout)
      expect(help.stdout).toContain(`lambda ${words.join(' ')}`)
    }
  })

  it('an unknown command is a usage error with the closest one (exit 2), not the list', async () => {
    const help = await runCli(['help', 'deplyo'])
    expect(help.code).toBe(2)
    expect(help.stderr).toContain('Unknown command "deplyo" for `lambda`. Did you mean deploy?')
    expect(help.stdout).toBe('')
    const sub = await runCli(['help', 'agent', 'kyes'])
    expect(sub.code).toBe(2)
    expect(sub.stderr).toContain('Did you mean keys?')
  })
})
