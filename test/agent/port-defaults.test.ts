import type { LongRunning } from '../helpers/cli'
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { afterThisTest, tempDir } from '../helpers/cleanups'
import { runCli, startCli } from '../helpers/cli'

/**
 * Runs `lambda agent` without --port on 127.0.0.1 and returns what it printed once it is ready or has
 * stopped: listening on the default port, or the error naming that very port (taken, or privileged).
 */
async function startWithoutPort(extraArgs: string[] = []): Promise<string> {
  const agent: LongRunning = startCli(['agent', '--host', '127.0.0.1', '--data-dir', tempDir('lambda-agent-'), '--provider', 'process', ...extraArgs])
  afterThisTest(() => agent.stop())
  await agent.waitFor(/Agent ready/, 60_000).catch(() => {})
  return agent.output()
}

describe('one port story: lambda agent and lambda agent install listen on 80, or 443 with TLS', () => {
  it('lambda agent without --port: port 80, and the set-host it suggests carries no port', async () => {
    const output = await startWithoutPort()
    expect(output).toMatch(/listening on http:\/\/127\.0\.0\.1:80 |Port 80 on 127\.0\.0\.1 is already in use|Port 80 needs privileges/)
    if (output.includes('Agent ready')) {
      expect(output).toContain('Functions answer at http://<name>.localhost/;')
      expect(output).toMatch(/lambda config set-host http:\/\/<this-host>\n/)
    }
  })

  it('lambda agent --tls-cert without --port: port 443', async () => {
    const dir = tempDir('lambda-tls-')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' })
    const output = await startWithoutPort(['--tls-cert', `${dir}/cert.pem`, '--tls-key', `${dir}/key.pem`])
    expect(output).toMatch(/listening on https:\/\/127\.0\.0\.1:443 |Port 443 on 127\.0\.0\.1 is already in use|Port 443 needs privileges/)
  })

  it('lambda agent install: the same defaults, and the same in --help', async () => {
    const plain = await runCli(['agent', 'install', '--dry-run', '--json', '--data-dir', tempDir('lambda-agent-'), '--provider', 'process'])
    expect(plain.code, plain.output).toBe(0)
    expect(JSON.parse(plain.stdout).env).toContain('LAMBDA_PORT=80\n')
    for (const command of [['agent'], ['agent', 'install']]) {
      const help = await runCli([...command, '--help'])
      expect(help.stdout, command.join(' ')).toMatch(/--port[^\n]*default: 80, or 443 with --tls-cert/)
    }
  })
})
