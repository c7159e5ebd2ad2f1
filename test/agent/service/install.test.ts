import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseEnvFile, renderEnvFile } from '../../../src/agent/service/env-file'
import { runCli } from '../../helpers/cli'
import { hasDocker } from '../../helpers/docker'
import { cliPath, repoRoot } from '../../helpers/paths'

const work = mkdtempSync(join(tmpdir(), 'lambda-install-'))

/**
 * How to run the CLI as a user other than root: as it is when the tests do not run as root; as root,
 * as "nobody", when nobody can read this checkout (not a clone in a 0700 temp folder).
 */
const nonRoot = process.getuid?.() !== 0
  ? {}
  : spawnSync(process.execPath, ['-e', 'require("fs").accessSync(process.argv[1])', cliPath], { uid: 65534, gid: 65534 }).status === 0
    ? { uid: 65534, gid: 65534 }
    : undefined
afterAll(() => rmSync(work, { recursive: true, force: true }))

const systemdHere = existsSync('/run/systemd/system')
/** A checkout under /tmp installs nothing: its own refusal (tested below) comes before root and systemd. */
const checkoutInTmp = /^\/(?:var\/)?tmp\//.test(cliPath)
const hasDockerGroup = spawnSync('getent', ['group', 'docker']).status === 0

/** The files `--dry-run` prints, split at their `# <path>` headers. */
function splitDryRun(stdout: string): Record<string, string> {
  const files: Record<string, string> = {}
  let current: string | undefined
  for (const line of stdout.split('\n')) {
    const header = line.match(/^# (\/etc\/\S+)$/)
    if (header) files[current = header[1]!] = ''
    else if (current) files[current] += `${line}\n`
  }
  return files
}

describe('lambda agent install --dry-run: the unit and environment file for this machine', () => {
  it('prints a unit that systemd-analyze verify accepts without a warning, and the settings in the environment file', async () => {
    const dataDir = join(work, 'data')
    const result = await runCli(['agent', 'install', '--dry-run', '--domain', '203.0.113.7.nip.io', '--port', '8080', '--data-dir', dataDir, '--provider', 'docker'])
    expect(result.code, result.output).toBe(0)
    const files = splitDryRun(result.stdout)
    const unit = files['/etc/systemd/system/mini-lambda.service']!
    const env = files['/etc/mini-lambda/agent.env']!
    expect(unit).toBeDefined()
    expect(env).toBeDefined()

    const unitFile = join(work, 'mini-lambda.service')
    writeFileSync(unitFile, unit)
    const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' })
    // verify only warns (exit 0) about unknown keys or bad values: both must stay silent.
    expect(`${verify.stdout}${verify.stderr}`).toBe('')
    expect(verify.status).toBe(0)
    // systemd's own exposure score (0 best, 10 worst): the hardening must not slip past 2.5 ("OK").
    const security = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=25', unitFile], { encoding: 'utf8' })
    expect(security.status, security.stdout.split('\n').filter(line => line.includes('✗')).join('\n')).toBe(0)
    console.log(security.stdout.match(/Overall exposure level.*/)?.[0])

    // Runs this Node and this package's CLI, with the settings from the environment file.
    expect(unit).toContain(`ExecStart=${process.execPath} ${cliPath} agent --port \${LAMBDA_PORT} --domain \${LAMBDA_DOMAIN} --provider \${LAMBDA_PROVIDER} --keep-instances $LAMBDA_AGENT_ARGS`)
    expect(unit).toContain('EnvironmentFile=/etc/mini-lambda/agent.env')
    expect(unit).toMatch(/^Restart=on-failure$/m)
    expect(unit).toMatch(/^After=.*docker\.service/m)
    expect(unit).toMatch(/^Wants=.*docker\.service/m)
    // Stopping signals the agent alone, which leaves its containers for the next start to adopt; the data stays.
    expect(unit).toMatch(/^KillMode=mixed$/m)
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
    // Hardened, yet the data dir is writable and the Docker socket reachable.
    expect(unit).toMatch(/^ProtectSystem=strict$/m)
    expect(unit).toContain(`ReadWritePaths=${dataDir}\n`)
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m)
    expect(unit).toMatch(/^PrivateTmp=yes$/m)
    expect(unit).toMatch(/^ProtectHome=(yes|read-only)$/m)
    expect(unit).toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m)
    expect(unit).toMatch(/^User=mini-lambda$/m)
    expect(unit.includes('SupplementaryGroups=docker')).toBe(hasDockerGroup)
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m)

    expect(parseEnvFile(env)).toEqual({ LAMBDA_PORT: '8080', LAMBDA_DOMAIN: '203.0.113.7.nip.io', LAMBDA_DATA_DIR: dataDir, LAMBDA_PROVIDER: 'docker', LAMBDA_AGENT_ARGS: '' })
  })

  it('defaults to port 80 and /var/lib/mini-lambda; with a certificate to port 443, the TLS flags in LAMBDA_AGENT_ARGS', async () => {
    const plain = await runCli(['agent', 'install', '--dry-run', '--json'])
    expect(plain.code, plain.output).toBe(0)
    const doc = JSON.parse(plain.stdout)
    expect(doc).toMatchObject({ dryRun: true, unitPath: '/etc/systemd/system/mini-lambda.service', envPath: '/etc/mini-lambda/agent.env', user: 'mini-lambda' })
    // Docker when it answers at install time: a dockerd slow at boot must not mean unisolated functions.
    expect(parseEnvFile(doc.env)).toMatchObject({ LAMBDA_PORT: '80', LAMBDA_DOMAIN: 'localhost', LAMBDA_DATA_DIR: '/var/lib/mini-lambda', LAMBDA_PROVIDER: hasDocker ? 'docker' : 'auto' })

    const tls = JSON.parse((await runCli(['agent', 'install', '--dry-run', '--json', '--tls-cert', '/etc/ssl/fullchain.pem', '--tls-key', '/etc/ssl/privkey.pem'])).stdout)
    expect(parseEnvFile(tls.env)).toMatchObject({ LAMBDA_PORT: '443', LAMBDA_AGENT_ARGS: '--tls-cert /etc/ssl/fullchain.pem --tls-key /etc/ssl/privkey.pem' })
  })

  it('--user root: no docker group needed, nothing to create', async () => {
    const doc = JSON.parse((await runCli(['agent', 'install', '--dry-run', '--json', '--user', 'root'])).stdout)
    expect(doc.createUser).toBe(false)
    expect(doc.unit).toMatch(/^User=root$/m)
    expect(doc.unit).not.toContain('SupplementaryGroups')
  })

  it('refuses a user that does not exist, and a certificate without its key', async () => {
    const user = await runCli(['agent', 'install', '--dry-run', '--user', 'no-such-user-4711'])
    expect(user.code).toBe(1)
    expect(user.stderr).toContain('There is no user "no-such-user-4711"')
    const tls = await runCli(['agent', 'install', '--dry-run', '--tls-cert', '/etc/ssl/fullchain.pem'])
    expect(tls.code).toBe(2)
    expect(tls.stderr).toContain('HTTPS needs both --tls-cert and --tls-key')
  })
})

describe('lambda agent install and uninstall where they cannot run', () => {
  it.skipIf(systemdHere || checkoutInTmp)('without systemd: a clear error naming PID 1, pointing to --dry-run; nothing is written', async () => {
    const pid1 = execFileSync('cat', ['/proc/1/comm'], { encoding: 'utf8' }).trim()
    for (const verb of ['install', 'uninstall']) {
      const result = await runCli(['agent', verb])
      expect(result.code, result.output).toBe(1)
      expect(result.stderr).toContain(`systemd is not running (PID 1 is ${pid1})`)
      expect(result.stderr).toContain('--dry-run')
      // The flag the hint names is one the command has.
      const dryRun = await runCli(['agent', verb, '--dry-run'])
      expect(dryRun.code, dryRun.output).toBe(0)
    }
    expect(existsSync('/etc/systemd/system/mini-lambda.service')).toBe(false)
    expect(existsSync('/etc/mini-lambda/agent.env')).toBe(false)

    const json = await runCli(['agent', 'install', '--json'])
    expect(JSON.parse(json.stdout).error.code).toBe('SYSTEMD_NOT_RUNNING')
  })

  it.skipIf(!nonRoot || checkoutInTmp)('as another user than root: an error saying it needs root', () => {
    const result = spawnSync(process.execPath, [cliPath, 'agent', 'install', '--domain', 'example.com'], { ...nonRoot, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' } })
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(1)
    expect(result.stderr).toContain('it needs root')
    expect(result.stderr).toContain('sudo')
  })
})

describe('lambda agent uninstall --dry-run', () => {
  it('says what uninstall would stop and remove, changes nothing, and needs neither root nor systemd', async () => {
    const before = ['/etc/systemd/system/mini-lambda.service', '/etc/mini-lambda/agent.env'].map(path => existsSync(path))
    const plain = await runCli(['agent', 'uninstall', '--dry-run'])
    expect(plain.code, plain.output).toBe(0)
    expect(plain.stdout).toMatch(before[0] ? /Would stop and disable mini-lambda\.service/ : /mini-lambda\.service is not installed: nothing to remove/)
    const json = JSON.parse((await runCli(['agent', 'uninstall', '--dry-run', '--json'])).stdout)
    expect(json).toMatchObject({ dryRun: true, installed: before[0], remove: ['/etc/systemd/system/mini-lambda.service', '/etc/mini-lambda/agent.env'].filter((_, i) => before[i]) })
    expect(['/etc/systemd/system/mini-lambda.service', '/etc/mini-lambda/agent.env'].map(path => existsSync(path))).toEqual(before)
    if (nonRoot) {
      const asUser = spawnSync(process.execPath, [cliPath, 'agent', 'uninstall', '--dry-run'], { ...nonRoot, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' } })
      expect(asUser.status, `${asUser.stdout}${asUser.stderr}`).toBe(0)
    }
  })
})

describe('lambda agent install from a copy under /tmp', () => {
  // The unit's PrivateTmp=yes gives the service an empty /tmp: a CLI there is one it cannot see.
  const copy = mkdtempSync('/tmp/lambda-clone-')
  afterAll(() => rmSync(copy, { recursive: true, force: true }))
  const copyCli = join(copy, 'bin', 'lambda.mjs')
  const setUp = () => {
    for (const part of ['bin', 'dist', 'runtime', 'package.json']) cpSync(join(repoRoot, part), join(copy, part), { recursive: true })
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'))
    chmodSync(copy, 0o755)
  }

  // Run as another user where possible: the refusal must come before any root or systemd step.
  it.skipIf(systemdHere && !nonRoot)('is refused, naming the path and the fix, before anything is written; --dry-run warns', async () => {
    setUp()
    const run = (args: string[]) => spawnSync(process.execPath, [copyCli, 'agent', 'install', ...args], { ...(nonRoot ?? {}), encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' } })
    const install = run(['--domain', 'example.com', '--provider', 'process'])
    expect(install.status, `${install.stdout}${install.stderr}`).toBe(1)
    expect(install.stderr).toContain(`The service would run ${copyCli}`)
    expect(install.stderr).toContain('PrivateTmp=yes')
    expect(install.stderr).toContain('npm install -g')
    const json = run(['--domain', 'example.com', '--provider', 'process', '--json'])
    expect(JSON.parse(json.stdout).error.code).toBe('INSTALL_FROM_TMP')
    expect(existsSync('/etc/mini-lambda/agent.env')).toBe(false)

    const dryRun = run(['--dry-run', '--provider', 'process'])
    expect(dryRun.status, dryRun.stderr).toBe(0)
    expect(dryRun.stdout).toContain(`ExecStart=${process.execPath} ${copyCli} agent`)
    expect(dryRun.stderr).toContain('PrivateTmp=yes')
  })
})

describe('the environment file', () => {
  it('reads back what it writes, also values with spaces and quotes', () => {
    const settings = { port: 443, domain: 'fn.example.com', dataDir: '/srv/mini lambda', provider: 'process' as const, agentArgs: ['--tls-cert', '/etc/a "b"/cert.pem', '--access-log'] }
    const parsed = parseEnvFile(renderEnvFile(settings))
    expect(parsed).toEqual({ LAMBDA_PORT: '443', LAMBDA_DOMAIN: 'fn.example.com', LAMBDA_DATA_DIR: '/srv/mini lambda', LAMBDA_PROVIDER: 'process', LAMBDA_AGENT_ARGS: '--tls-cert /etc/a "b"/cert.pem --access-log' })
  })
})
