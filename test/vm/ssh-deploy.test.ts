import type { Vm } from '../helpers/vm'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../helpers/cli'
import { request } from '../helpers/http'
import { repoRoot } from '../helpers/paths'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'
import { describeVm, startVm } from '../helpers/vm'
import { hostNpmCache, installNodeInVm, newerTarball, packForVm, removeVmAgentLeftovers, VM_NPM_CACHE, vmAgentBase } from '../helpers/vm-node'

// The deploy-agent workflow's steps, run with bash as GitHub Actions runs them, against a real sshd
// (Debian's openssh-server) in the VM, with a key made for it and the host key pinned as docs/install.md
// says. The runner is a second container of the same image, so ssh reads its files from the runner user's
// home as on a real runner (ssh takes ~ from the password database, not from $HOME). Not run: the
// checkout, setup-node, `npm ci` and `npm pack` steps; the tarball they would make is built here instead.

interface Step { name?: string, run?: string, env?: Record<string, string> }

const workflow = parse(readFileSync(join(repoRoot, '.github/workflows/deploy-agent.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }
const steps = workflow.jobs['deploy-agent']!.steps

/** `${{ secrets.X }}`, `${{ secrets.X || 'default' }}` and `${{ steps.pack.outputs.file }}`, as Actions evaluates them. */
function evaluate(value: string, context: { secrets: Record<string, string>, packFile: string }): string {
  return value.replace(/\$\{\{(.+?)\}\}/g, (_, expression: string) => {
    for (const term of expression.split('||').map(t => t.trim())) {
      const literal = term.match(/^'(.*)'$/)
      const result = literal ? literal[1]! : term.startsWith('secrets.') ? context.secrets[term.slice(8)] ?? '' : term === 'steps.pack.outputs.file' ? context.packFile : undefined
      if (result === undefined) throw new Error(`the test does not evaluate \${{ ${term} }}: teach evaluate() about it`)
      if (result !== '') return result
    }
    return ''
  })
}

describeVm('the deploy-agent workflow over ssh, against sshd on the VM', () => {
  const work = mkdtempSync(join(tmpdir(), 'lambda-ssh-'))
  const dataDir = `/var/lib/mini-lambda-ssh-test-${basename(work).slice(-6).toLowerCase()}`
  const domain = '127.0.0.1.nip.io'
  let vm: Vm
  let runner: Vm
  let port: number
  let sshPort: number
  let newer: string
  let agentId: string | undefined
  const secrets: Record<string, string> = {}
  const project = createProject({ 'functions/hello/index.ts': 'export default () => ({ message: \'deployed before the upgrade\' })\n' })

  const healthVersion = async () => (await request(port, '/_lambda/health', { host: `127.0.0.1:${port}`, timeoutMs: 3000 }).then(r => r.json() as { version: string }, () => undefined))?.version

  /** The workflow's steps by name, each with bash as Actions runs a `run:` (`bash --noprofile --norc -eo pipefail`). */
  async function runSteps(names: string[], stepSecrets: Record<string, string>) {
    const results: Array<{ name: string, code: number, output: string }> = []
    for (const name of names) {
      const step = steps.find(s => s.name === name)
      if (!step?.run) throw new Error(`deploy-agent.yml has no step "${name}" with a run: script`)
      const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), { secrets: stepSecrets, packFile: basename(newer) })]))
      const result = await runner.exec(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', `cd ~/work && ${evaluate(step.run, { secrets: stepSecrets, packFile: basename(newer) })}`], { user: 'runner', env: { ...env, HOME: '/home/runner' } })
      results.push({ name, ...result })
      if (result.code !== 0) break
    }
    return results
  }

  beforeAll(async () => {
    port = await freePort()
    sshPort = await freePort()
    mkdirSync(dataDir, { mode: 0o700 })
    const tarball = await packForVm(work)
    newer = await newerTarball(tarball, '0.1.1-sshtest.1', work)
    const npmCache = await hostNpmCache()
    vm = await startVm({ dockerSocket: true, sharedPaths: [dataDir], mounts: { [npmCache]: VM_NPM_CACHE } })
    runner = await startVm()

    // The VM as docs/install.md leaves it: Node, the package, the agent installed and serving a function.
    await installNodeInVm(vm)
    await vm.copyIn(tarball, `/root/${basename(tarball)}`)
    const socketGid = execFileSync('stat', ['-c', '%g', '/var/run/docker.sock'], { encoding: 'utf8' }).trim()
    await vm.sh(`cd /root && npm install -g ./${basename(tarball)} && groupadd --gid ${socketGid} docker`)
    const install = await vm.exec(['lambda', 'agent', 'install', '--json', '--provider', 'docker', '--domain', domain, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir])
    if (install.code !== 0) throw new Error(install.output)
    const adminKey = JSON.parse(install.stdout).adminKey as string
    agentId = JSON.parse(readFileSync(join(dataDir, 'state/meta/agent'), 'utf8')).id
    const deploy = await runCli(['deploy'], { cwd: project.dir, env: { LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: adminKey, XDG_CONFIG_HOME: join(work, 'config') } })
    if (deploy.code !== 0) throw new Error(deploy.output)

    // sshd on a loopback port, host keys of its own (the image's were made once, when it was built), keys only.
    await vm.sh([
      'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A',
      `printf 'Port ${sshPort}\\nListenAddress 127.0.0.1\\nPasswordAuthentication no\\nKbdInteractiveAuthentication no\\nPermitRootLogin no\\n' > /etc/ssh/sshd_config.d/mini-lambda-test.conf`,
      'systemctl enable --now ssh.service',
      // The deploy user: its key, and sudo for exactly the workflow's two commands (docs/ci-cd.md).
      'useradd --create-home --shell /bin/bash deploy',
      'printf \'deploy ALL=(root) NOPASSWD: /usr/local/bin/npm install -g /tmp/*, /usr/bin/systemctl restart mini-lambda\\n\' > /etc/sudoers.d/mini-lambda-deploy',
      'chmod 0440 /etc/sudoers.d/mini-lambda-deploy && visudo -cf /etc/sudoers.d/mini-lambda-deploy',
    ].join(' && '))
    await runner.sh('useradd --create-home --shell /bin/bash runner && install -d -o runner -g runner /home/runner/work')
    await runner.copyIn(newer, `/home/runner/work/${basename(newer)}`)
    await runner.sh(`chown runner:runner /home/runner/work/${basename(newer)}`)
    // A key made for this workflow alone, on the runner; its public half in the deploy user's authorized_keys.
    await runner.exec(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'deploy-agent', '-f', '/home/runner/deploy-key'], { user: 'runner' })
    const publicKey = await runner.sh('cat /home/runner/deploy-key.pub')
    await vm.exec(['bash', '-c', 'install -d -m 700 -o deploy -g deploy ~deploy/.ssh && cat > ~deploy/.ssh/authorized_keys && chown deploy:deploy ~deploy/.ssh/authorized_keys && chmod 600 ~deploy/.ssh/authorized_keys'], { input: publicKey })
    Object.assign(secrets, { AGENT_SSH_HOST: '127.0.0.1', AGENT_SSH_PORT: String(sshPort), AGENT_SSH_USER: 'deploy', AGENT_SSH_KEY: await runner.sh('cat /home/runner/deploy-key'), AGENT_LOCAL_URL: `http://127.0.0.1:${port}` })
  }, 420_000)

  afterAll(async () => {
    const base = vm ? (await vmAgentBase(vm).catch(() => undefined))?.tag : undefined
    await vm?.remove()
    await runner?.remove()
    removeVmAgentLeftovers(agentId, base)
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
    project.remove()
  })

  it('with a known_hosts line for another host key (a server in the middle), the workflow stops at ssh and changes nothing', async () => {
    const impostor = await runner.sh('ssh-keygen -q -t ed25519 -N "" -f /tmp/impostor && cut -d" " -f1,2 /tmp/impostor.pub')
    const results = await runSteps(['SSH key', 'Copy, install, restart'], { ...secrets, AGENT_SSH_KNOWN_HOSTS: `[127.0.0.1]:${sshPort} ${impostor.trim()}` })
    expect(results.map(r => [r.name, r.code === 0])).toEqual([['SSH key', true], ['Copy, install, restart', false]])
    expect(results[1]!.output).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/)
    expect(await healthVersion()).toBe('0.1.0')
    expect((await vm.exec(['ls', '/tmp'])).stdout).not.toContain('.tgz')
  }, 120_000)

  it('with the host key pinned (ssh-keyscan, checked against the VM\'s own fingerprint), it copies, installs, restarts and checks', async () => {
    // What docs/install.md has you do once: scan the key from outside, compare with what the VM itself says.
    const scanned = (await runner.sh(`ssh-keyscan -p ${sshPort} -t ed25519 127.0.0.1 2>/dev/null`)).trim()
    const scannedPrint = (await runner.exec(['ssh-keygen', '-lf', '-'], { input: `${scanned}\n` })).stdout.split(' ')[1]
    const vmPrint = (await vm.sh('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1]
    expect(scannedPrint).toMatch(/^SHA256:/)
    expect(scannedPrint).toBe(vmPrint)
    expect(scanned.startsWith(`[127.0.0.1]:${sshPort} ssh-ed25519 `)).toBe(true)

    const results = await runSteps(['SSH key', 'Copy, install, restart', 'Check'], { ...secrets, AGENT_SSH_KNOWN_HOSTS: scanned })
    for (const result of results) expect(result.code, `${result.name}:\n${result.output}`).toBe(0)
    expect(results.map(r => r.name)).toEqual(['SSH key', 'Copy, install, restart', 'Check'])
    // `lambda --version` over ssh, then the health the Check step got.
    expect(results[1]!.output).toContain('0.1.1-sshtest.1')
    expect(results[2]!.output).toContain('"version":"0.1.1-sshtest.1"')
    expect(await healthVersion()).toBe('0.1.1-sshtest.1')
    expect((await vm.exec(['ls', '/tmp'])).stdout).not.toContain('.tgz')
    // The function deployed before the upgrade is served by the upgraded agent.
    expect((await request(port, '/', { host: `hello.${domain}:${port}` })).json()).toEqual({ message: 'deployed before the upgrade' })
  }, 300_000)
})
