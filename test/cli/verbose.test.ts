import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'

describe('--verbose: what the CLI does, on stderr, for any command', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject())

  it('traces each request to the agent with its status, never the key, and leaves stdout as it is', async () => {
    const { agent } = suite
    const plain = await agent.cli(['list', '--json'])
    for (const args of [['--verbose', 'list', '--json'], ['list', '--json', '--verbose']]) {
      const verbose = await agent.cli(args)
      expect(verbose.code, verbose.output).toBe(0)
      expect(verbose.stdout).toBe(plain.stdout)
      expect(verbose.stderr).toContain(`→ GET http://127.0.0.1:${agent.port}/_lambda/functions`)
      expect(verbose.stderr).toMatch(new RegExp(`← 200 GET http://127\\.0\\.0\\.1:${agent.port}/_lambda/functions in \\d+ms`))
      expect(verbose.stderr).not.toContain(agent.key)
      expect(verbose.stderr).not.toContain(agent.key.slice(0, 12))
    }
    expect(plain.stderr).not.toContain('→ GET')
  })

  it('never prints a secret\'s value, sent or refused', async () => {
    const value = 'sup3r-s3cret-value-4711'
    const sent = await suite.agent.cli(['secrets', 'set', 'tok', '--verbose'], { input: value })
    expect(sent.code, sent.output).toBe(0)
    expect(sent.stderr).toContain('/_lambda/secrets/tok')
    const refused = await runCli(['secrets', 'set', 'tok', '--verbose'], { input: value, env: { LAMBDA_HOST: `http://127.0.0.1:${await freePort()}`, LAMBDA_API_KEY: suite.agent.key, XDG_CONFIG_HOME: suite.agent.env.XDG_CONFIG_HOME } })
    expect(refused.code).toBe(1)
    // The secrets client drops the causes of its errors (they could hold the request), so only the stack shows.
    expect(refused.stderr).toMatch(/^LambdaError: Could not reach the agent/m)
    for (const output of [sent.output, refused.output]) expect(output).not.toContain(value)
  })

  it('a failure prints its message and hint, then the stack and every cause', async () => {
    const port = await freePort()
    const env = { LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: suite.agent.key, XDG_CONFIG_HOME: suite.agent.env.XDG_CONFIG_HOME }
    const plain = await runCli(['list'], { env })
    expect(plain.code).toBe(1)
    expect(plain.stderr).toContain('Could not reach the agent')
    expect(plain.stderr).not.toContain('Caused by:')
    const verbose = await runCli(['list', '--verbose'], { env })
    expect(verbose.code).toBe(1)
    expect(verbose.stderr).toContain('Could not reach the agent')
    expect(verbose.stderr).toMatch(/^LambdaError: Could not reach the agent[^\n]*\n\s+at /m)
    expect(verbose.stderr).toContain('Caused by: ')
    expect(verbose.stderr).toContain('ECONNREFUSED')
    // --json keeps stdout to the one error document; the trace is for people, on stderr.
    const json = await runCli(['list', '--json', '--verbose'], { env })
    expect(JSON.parse(json.stdout).error.code).toBe('AGENT_UNREACHABLE')
    expect(json.stderr).toContain('Caused by: ')
  })

  it('with LAMBDA_DEBUG=1 it is --verbose: the command line, every request and its answer', async () => {
    const { agent } = suite
    const debug = await agent.cli(['versions', 'nope'], { env: { LAMBDA_DEBUG: '1' } })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toContain('Running `lambda versions` with ["nope"]')
    expect(debug.stderr).toContain(`→ GET http://127.0.0.1:${agent.port}/_lambda/functions/nope/versions`)
    expect(debug.stderr).toMatch(/← 404 GET \S+\/_lambda\/functions\/nope\/versions in \d+ms/)
    expect(debug.stderr).toMatch(/^LambdaError: No function named "nope"/m)
    // Off is off, whichever way it is written.
    for (const off of ['', '0', 'false']) expect((await agent.cli(['list'], { env: { LAMBDA_DEBUG: off } })).stderr).not.toContain('→ GET')
  })

  it('a request that never reaches the network is traced too, with why it failed', async () => {
    const env = { LAMBDA_API_KEY: suite.agent.key, XDG_CONFIG_HOME: suite.agent.env.XDG_CONFIG_HOME }
    // fetch refuses port 1 before connecting; a free port refuses the connection.
    const refusedPort = await freePort()
    for (const [host, reason] of [['http://127.0.0.1:1', 'bad port'], [`http://127.0.0.1:${refusedPort}`, 'ECONNREFUSED']] as const) {
      const result = await runCli(['versions', 'hello', '--verbose', '--host', host], { env })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`→ GET ${host}/_lambda/functions/hello/versions`)
      expect(result.stderr).toMatch(new RegExp(`✗ GET ${host.replace(/\./g, '\\.')}/_lambda/functions/hello/versions: [^\n]*${reason}`))
      expect(result.stderr).toContain(`Could not reach the agent at ${host} (${reason})`)
    }
  })

  it('after `--` it is an argument, not the flag', async () => {
    const result = await runCli(['help', '--', '--verbose'])
    // `lambda help` looks for a command named "--verbose", and there is none.
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Unknown option --verbose for `lambda`')
    expect(result.stderr).not.toContain('Running `lambda help`')
    expect((await runCli(['help', '--verbose'])).stderr).toContain('Running `lambda help`')
  })
})
