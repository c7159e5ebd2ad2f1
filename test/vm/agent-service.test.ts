import type { Vm } from '../helpers/vm'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { request } from '../helpers/http'
import { freePort } from '../helpers/ports'
import { createProject } from '../helpers/project'
import { until } from '../helpers/until'
import { describeVm, startVm } from '../helpers/vm'
import { hostNpmCache, installNodeInVm, newerTarball, packForVm, removeVmAgentLeftovers, VM_NPM_CACHE, vmAgentBase } from '../helpers/vm-node'

// docs/install.md, run for real: the package installed from its tarball on a Debian 12 "VM" with systemd,
// `lambda agent install` as root, deploys from outside, crashes, a reboot, an upgrade, the uninstall.
// Differences from a cloud VM, each said where it matters: the VM is a container (test/helpers/vm.ts)
// sharing the host's network and Docker engine; its data dir is at the same path on the host, because
// the host's Docker mounts the agent's link folders from there.

const KEY = /mlk_[a-z0-9]{8}_[\w-]{43}/
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describeVm('the agent as a systemd service on a Debian 12 VM', () => {
  const work = mkdtempSync(join(tmpdir(), 'lambda-vm-'))
  // Not under /tmp: the unit's PrivateTmp would hide it from the service.
  const dataDir = `/var/lib/mini-lambda-vm-test-${basename(work).slice(-6).toLowerCase()}`
  const domain = '127.0.0.1.nip.io'
  const timings: Record<string, string> = {}
  let vm: Vm
  let port: number
  let tarball: string
  let adminKey: string
  let agentId: string | undefined
  let vmBase: string | undefined
  let assembledHere = false
  const project = createProject({ 'functions/hello/index.ts': 'export default () => ({ message: \'Hello from the VM\', pid: process.pid })\n' })

  const timed = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    const started = Date.now()
    try {
      return await step()
    }
    finally {
      timings[what] = `${((Date.now() - started) / 1000).toFixed(1)} s`
    }
  }
  const lambda = (args: string[], timeoutMs?: number) => vm.exec(['lambda', ...args], { timeoutMs })
  const hostCli = (args: string[], key = adminKey) => runCli(args, { cwd: project.dir, env: { LAMBDA_HOST: `http://127.0.0.1:${port}`, LAMBDA_API_KEY: key, XDG_CONFIG_HOME: join(work, 'config') } })
  const callHello = () => request(port, '/', { host: `hello.${domain}:${port}`, timeoutMs: 10_000 })
  const unit = async () => Object.fromEntries((await vm.sh('systemctl show mini-lambda.service --property=ActiveState,SubState,MainPID,NRestarts,UnitFileState')).trim().split('\n').map(line => line.split('=', 2) as [string, string]))
  const helloContainers = () => execFileSync('docker', ['ps', '-q', '--no-trunc', '--filter', `label=mini-lambda.agent=${agentId}`, '--filter', 'label=mini-lambda.function=hello'], { encoding: 'utf8' }).split('\n').filter(Boolean)
  const healthy = async () => {
    const res = await request(port, '/_lambda/health', { host: `127.0.0.1:${port}`, timeoutMs: 2000 }).catch(() => undefined)
    return res?.status === 200 ? res.json() as { version: string } : undefined
  }

  beforeAll(async () => {
    port = await freePort()
    mkdirSync(dataDir, { mode: 0o755 })
    tarball = await timed('npm pack', () => packForVm(work))
    const npmCache = await hostNpmCache()
    vm = await timed('VM boot', () => startVm({ dockerSocket: true, sharedPaths: [dataDir], mounts: { [npmCache]: VM_NPM_CACHE } }))
  }, 300_000)

  afterAll(async () => {
    vmBase ??= (await vmAgentBase(vm).catch(() => undefined))?.tag
    await vm?.remove()
    removeVmAgentLeftovers(agentId, vmBase)
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
    project.remove()
    console.info(`[vm timings] ${Object.entries(timings).map(([k, v]) => `${k}: ${v}`).join(', ')}`)
  })

  it('installs Node and the package from its tarball, offline: `npm install -g ./mini-lambda-<version>.tgz`', async () => {
    await installNodeInVm(vm)
    await vm.copyIn(tarball, `/root/${basename(tarball)}`)
    const install = await timed('npm install -g', () => vm.exec(['bash', '-c', `cd /root && npm install -g ./${basename(tarball)}`]))
    expect(install.code, install.output).toBe(0)
    expect((await lambda(['--version'])).stdout.trim()).toBe('0.1.0')
  }, 300_000)

  it('install waits for the agent: with no `docker` group for the socket the service cannot start, and install says why, exit 1', async () => {
    // The host's socket is root:docker 0660; this VM has no docker group yet, so the unit gets no SupplementaryGroups.
    const install = await timed('install (failing)', () => lambda(['agent', 'install', '--provider', 'docker', '--domain', domain, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir]))
    expect(install.code, install.output).toBe(1)
    // The key install made is in the data dir and shown nowhere else: printed all the same.
    adminKey = install.output.match(KEY)?.[0] as string
    expect(adminKey, install.output).toBeDefined()
    // The journal's own words, then what to do.
    expect(install.stderr).toContain('mini-lambda.service is installed and enabled, but the agent is not serving')
    expect(install.stderr).toMatch(/Error: The Docker daemon does not answer at \/var\/run\/docker\.sock \(connect EACCES/)
    expect(install.stderr).toContain('sudo lambda agent install')
    expect(install.stdout).not.toContain('the agent answers')
  }, 300_000)

  it('`lambda agent install` as root: user, data dir, env file and unit; enabled, started, answering; Docker reachable under the sandboxing', async () => {
    const socketGid = execFileSync('stat', ['-c', '%g', '/var/run/docker.sock'], { encoding: 'utf8' }).trim()
    await vm.sh(`groupadd --gid ${socketGid} docker`)
    const install = await timed('install', () => lambda(['agent', 'install', '--provider', 'docker', '--domain', domain, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir]))
    expect(install.code, install.output).toBe(0)
    agentId = JSON.parse(readFileSync(join(dataDir, 'state/meta/agent'), 'utf8')).id
    expect(install.stdout).toMatch(/mini-lambda\.service is enabled and the agent answers \(version 0\.1\.0, pid \d+\)/)
    // A reinstall keeps the keys: the one printed before stays valid.
    expect(install.stdout).toContain('The data dir already has API keys')

    // A system user with a group of its own; the docker group is the unit's (SupplementaryGroups), not the user's.
    expect(await vm.sh('id -nG mini-lambda && getent passwd mini-lambda | cut -d: -f6,7')).toBe(`mini-lambda\n${dataDir}:/usr/sbin/nologin\n`)
    expect(await vm.sh(`stat -c '%U %a' ${dataDir}`)).toBe('mini-lambda 700\n')
    expect(await vm.sh('cat /etc/mini-lambda/agent.env')).toContain(`LAMBDA_PORT=${port}`)
    expect(await vm.sh('systemctl is-enabled mini-lambda; systemctl is-active mini-lambda')).toBe('enabled\nactive\n')
    expect((await vm.sh('systemctl show -p User,SupplementaryGroups,UMask,ProtectSystem mini-lambda')).trim().split('\n').sort()).toEqual(['ProtectSystem=strict', 'SupplementaryGroups=docker', 'UMask=0077', 'User=mini-lambda'])

    const status = await lambda(['agent', 'status', '--json'])
    expect(status.code, status.output).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, version: '0.1.0', provider: 'docker', domain, dataDir, keys: { admin: 1 }, service: { installed: true, activeState: 'active', unitFileState: 'enabled' } })
    // Its Node is at another path than the host's, so the base is the VMs' own, assembled under UMask=0077
    // by this agent or by the ssh suite's, which runs beside this one (or left by an interrupted run).
    const base = await vmAgentBase(vm)
    expect(base).toBeDefined()
    vmBase = base!.tag
    assembledHere = base!.assembled
    if (!assembledHere) console.info(`[vm] ${vmBase} was already there: its assembly is not in this VM's journal`)
  }, 300_000)

  it('a deploy from outside the VM, over its port on 127.0.0.1, builds on that base and is served', async () => {
    const deploy = await timed('first deploy', () => hostCli(['deploy']))
    expect(deploy.code, deploy.output).toBe(0)
    const res = await callHello()
    expect(res.status, res.text).toBe(200)
    expect(res.json()).toMatchObject({ message: 'Hello from the VM' })
    expect(helloContainers()).toHaveLength(1)
  }, 300_000)

  it('journalctl -u mini-lambda: the agent\'s lines, as text, each with its priority', async () => {
    const entries = (await vm.sh('journalctl -u mini-lambda -o json --no-pager --output-fields=MESSAGE,PRIORITY,SYSLOG_IDENTIFIER')).trim().split('\n').map(line => JSON.parse(line) as { MESSAGE: unknown, PRIORITY: string, SYSLOG_IDENTIFIER?: string })
    const agentLines = entries.filter(entry => entry.SYSLOG_IDENTIFIER === 'mini-lambda')
    expect(agentLines.length).toBeGreaterThan(5)
    // journald keeps a line with control bytes as an array of bytes: every one is a string.
    expect(entries.filter(entry => typeof entry.MESSAGE !== 'string')).toEqual([])
    expect(agentLines).toContainEqual(expect.objectContaining({ MESSAGE: 'Agent ready', PRIORITY: '6' }))
    expect(agentLines).toContainEqual(expect.objectContaining({ MESSAGE: expect.stringMatching(/^Error: The Docker daemon does not answer/), PRIORITY: '3' }))
    // The base's assembly, step by step, when it happened here.
    if (assembledHere) expect(agentLines).toContainEqual(expect.objectContaining({ MESSAGE: expect.stringMatching(/^Step \d+\/\d+ : COPY rootfs\/ \//), PRIORITY: '6' }))
    const errors = await vm.sh('journalctl -u mini-lambda -p err -o cat --no-pager')
    expect(errors).toContain('connect EACCES /var/run/docker.sock')
    expect(errors).not.toContain('Agent ready')
  })

  it('systemctl kill -s KILL: systemd restarts the agent, which adopts the running instance; requests resume', async () => {
    const before = await unit()
    const [container] = helloContainers()
    await vm.sh('systemctl kill -s KILL mini-lambda')
    await timed('restart after kill -9', () => until(async () => {
      const now = await unit()
      return now.MainPID !== before.MainPID && now.MainPID !== '0' && now.ActiveState === 'active' && await healthy()
    }, 'the agent back after kill -9', 120_000))
    expect(Number((await unit()).NRestarts)).toBeGreaterThan(Number(before.NRestarts))
    const res = await callHello()
    expect(res.status, res.text).toBe(200)
    // The same container serves: adopted warm, not replaced.
    expect(helloContainers()).toEqual([container])
  }, 180_000)

  it('a reboot of the VM brings the agent back by itself, with its functions, versions and keys', async () => {
    await timed('reboot', () => vm.reboot())
    await until(healthy, 'the agent after the reboot', 120_000)
    const res = await callHello()
    expect(res.status, res.text).toBe(200)
    const list = await hostCli(['list', '--json'])
    expect(list.code, list.output).toBe(0)
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'hello', version: 1 })])
    // Unlike a real VM, whose reboot restarts its Docker and so its containers, the host's Docker kept
    // the instance running here, and the agent adopted it; on a VM it starts a new one on the first call.
    expect(helloContainers()).toHaveLength(1)
  }, 300_000)

  it('upgrade: `npm install -g` of a newer tarball and `systemctl restart`: state kept, served throughout but for the restart (measured)', async () => {
    const newer = await newerTarball(tarball, '0.1.1-vmtest.1', work)
    await vm.copyIn(newer, `/root/${basename(newer)}`)
    const install = await vm.exec(['bash', '-c', `cd /root && npm install -g ./${basename(newer)}`])
    expect(install.code, install.output).toBe(0)
    // The running agent is the old one until the restart.
    expect((await healthy())?.version).toBe('0.1.0')

    // Requests one after the other from outside while the service restarts: how long nothing answered.
    let stop = false
    const outcomes: Array<{ at: number, ok: boolean }> = []
    const load = (async () => {
      const deadline = Date.now() + 120_000
      while (!stop && Date.now() < deadline) {
        const ok = await callHello().then(r => r.status === 200, () => false)
        outcomes.push({ at: Date.now(), ok })
        if (!ok) await sleep(20)
      }
    })()
    await sleep(500)
    const restart = await timed('systemctl restart (upgrade)', () => vm.exec(['systemctl', 'restart', 'mini-lambda']))
    expect(restart.code, restart.output).toBe(0)
    await until(async () => (await healthy())?.version === '0.1.1-vmtest.1', 'the upgraded agent', 120_000)
    await until(() => outcomes.length > 0 && outcomes[outcomes.length - 1]!.ok, 'a request served after the upgrade', 60_000)
    await sleep(500)
    stop = true
    await load

    const failed = outcomes.filter(o => !o.ok).length
    let longestGap = 0
    let lastOk = outcomes[0]!.at
    for (const o of outcomes) {
      if (o.ok) {
        longestGap = Math.max(longestGap, o.at - lastOk)
        lastOk = o.at
      }
    }
    console.info(`[vm upgrade] ${outcomes.length} requests during the upgrade, ${failed} not served; longest time without a served request: ${longestGap} ms (systemctl restart took ${timings['systemctl restart (upgrade)']})`)
    expect(outcomes.filter(o => o.ok).length).toBeGreaterThan(0)
    const status = JSON.parse((await lambda(['agent', 'status', '--json'])).stdout)
    expect(status).toMatchObject({ running: true, version: '0.1.1-vmtest.1', functions: ['hello'], keys: { admin: 1 } })
    expect((await callHello()).json()).toMatchObject({ message: 'Hello from the VM' })
  }, 300_000)

  it('`lambda agent uninstall` removes the unit, the env file, the user and the kept containers, and keeps the data dir', async () => {
    const dry = await lambda(['agent', 'uninstall', '--dry-run'])
    expect(dry.stdout).toContain('Would remove the system user mini-lambda.')
    expect(dry.stdout).toContain(`Would keep the data dir ${dataDir}`)
    const uninstall = await timed('uninstall', () => lambda(['agent', 'uninstall']))
    expect(uninstall.code, uninstall.output).toBe(0)
    expect(uninstall.output).toContain('Removed the system user mini-lambda.')
    expect((await vm.exec(['id', 'mini-lambda'])).code).not.toBe(0)
    expect((await vm.exec(['test', '-e', '/etc/systemd/system/mini-lambda.service'])).code).not.toBe(0)
    expect((await vm.exec(['test', '-e', '/etc/mini-lambda'])).code).not.toBe(0)
    expect((await vm.exec(['systemctl', 'is-active', 'mini-lambda'])).stdout.trim()).toBe('inactive')
    expect(helloContainers()).toEqual([])
    expect(await healthy()).toBeUndefined()
    expect(existsSync(join(dataDir, 'state'))).toBe(true)
  }, 120_000)

  it('installed again on the kept data dir, it serves the same functions with the same key; `uninstall --purge` then removes the data too', async () => {
    const install = await lambda(['agent', 'install', '--provider', 'docker', '--domain', domain, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir])
    expect(install.code, install.output).toBe(0)
    expect(install.output).not.toMatch(KEY)
    expect((await callHello()).json()).toMatchObject({ message: 'Hello from the VM' })
    expect((await hostCli(['list'])).code).toBe(0)

    const purge = await lambda(['agent', 'uninstall', '--purge'])
    expect(purge.code, purge.output).toBe(0)
    expect(existsSync(join(dataDir, 'state'))).toBe(false)
    const images = execFileSync('docker', ['images', '-q', '--filter', `label=mini-lambda.agent=${agentId}`], { encoding: 'utf8' }).trim()
    expect(images).toBe('')
  }, 300_000)
})
