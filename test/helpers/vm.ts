import type { ExecFileOptions } from 'node:child_process'
import { execFile, execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe } from 'vitest'
import { hasDocker } from './docker'
import { repoRoot } from './paths'

// A "VM" for the tests of the systemd story: a Debian 12 root file system booted as a Docker container
// with systemd as PID 1 (test/vm/build-vm-image.sh makes the image, .ci/run calls it). It shares the
// host's network namespace, so everything it serves is on the host's 127.0.0.1 and nothing else is
// needed; it runs functions on the host's Docker engine through its socket, bind-mounted in.
//
// What a container cannot do that a VM does is said where a test depends on it: its kernel and Docker
// are the host's (a reboot of the "VM" leaves function containers running), its network is the host's.

const run = promisify(execFile)

export const VM_IMAGE_SCRIPT = join(repoRoot, 'test/vm/build-vm-image.sh')

/** The image the script would make now: its tag is a hash of the script, as the script computes it. */
export const vmImage = `mini-lambda-test/vm:bookworm-${createHash('sha256').update(readFileSync(VM_IMAGE_SCRIPT)).digest('hex').slice(0, 12)}`

const imageExists = hasDocker && (() => {
  try {
    execFileSync('docker', ['image', 'inspect', vmImage], { stdio: 'ignore' })
    return true
  }
  catch {
    return false
  }
})()

/** `describe` for suites that boot a VM: skipped without its image, except in CI where it must run. */
export const describeVm: typeof describe = ((name: string, fn: () => void) => {
  if (imageExists) return describe(name, fn)
  const why = hasDocker ? `the image ${vmImage} is not built (\`bash test/vm/build-vm-image.sh\`)` : 'no Docker engine answers here'
  if (process.env.CI) {
    return describe(name, () => {
      throw new Error(`The VM tests must run in CI, but ${why}. .ci/run builds it; check its output.`)
    })
  }
  console.warn(`[skip] "${name}": ${why}.`)
  return describe.skip(name, fn)
}) as typeof describe

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
  output: string
}

export interface Vm {
  name: string
  /** Runs a command inside (as root unless `user`), like a shell on the VM; never rejects. */
  exec: (command: string[], opts?: { user?: string, env?: Record<string, string>, input?: string, timeoutMs?: number }) => Promise<ExecResult>
  /** `bash -c script` inside; rejects with its output unless it exits 0. */
  sh: (script: string, opts?: { timeoutMs?: number }) => Promise<string>
  /** Copies a host file or folder in (`docker cp`). */
  copyIn: (hostPath: string, vmPath: string) => Promise<void>
  /** A clean reboot: systemd stops every unit (SIGRTMIN+3 is its halt signal), then boots again. */
  reboot: () => Promise<void>
  remove: () => Promise<void>
}

export interface VmOptions {
  /** Host paths mounted at the same path inside (the agent's data dir: Docker mounts its link folders from there). */
  sharedPaths?: string[]
  /** Host path → VM path. */
  mounts?: Record<string, string>
  /** The host's Docker socket at /var/run/docker.sock. */
  dockerSocket?: boolean
}

async function waitForBoot(name: string): Promise<void> {
  // Until systemd answers on its bus, systemctl says nothing; then `--wait` returns once the boot is done,
  // `running`, or `degraded` when a unit failed (reported, with the unit).
  const deadline = Date.now() + 120_000
  let state = ''
  while (Date.now() < deadline) {
    state = await run('docker', ['exec', name, 'systemctl', 'is-system-running', '--wait'], { timeout: 120_000 }).then(r => r.stdout.trim(), (e: { stdout?: string }) => String(e.stdout ?? '').trim())
    if (state === 'running' || state === 'degraded') break
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  if (state !== 'running') {
    const failed = await run('docker', ['exec', name, 'systemctl', '--failed', '--no-pager']).then(r => r.stdout, () => '')
    throw new Error(`the VM ${name} booted ${state || 'not at all'}:\n${failed}`)
  }
}

export async function startVm(opts: VmOptions = {}): Promise<Vm> {
  const name = `mini-lambda-vm-${randomBytes(4).toString('hex')}`
  const args = [
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'mini-lambda-test.vm=1',
    '--hostname',
    'mini-lambda-vm',
    // What systemd needs as PID 1 here (--privileged fails on this kind of machine: "unable to apply caps").
    '--cap-add',
    'SYS_ADMIN',
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'apparmor=unconfined',
    '-v',
    '/sys/fs/cgroup:/sys/fs/cgroup:rw',
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/run/lock',
    '-e',
    'container=docker',
    '--stop-signal',
    'SIGRTMIN+3',
    '--stop-timeout',
    '60',
    // The host's loopback is the VM's: the agent and sshd listen on 127.0.0.1 ports the tests pick free.
    '--network',
    'host',
    ...(opts.dockerSocket ? ['-v', '/var/run/docker.sock:/var/run/docker.sock'] : []),
    ...(opts.sharedPaths ?? []).flatMap(path => ['-v', `${path}:${path}`]),
    ...Object.entries(opts.mounts ?? {}).flatMap(([host, vm]) => ['-v', `${host}:${vm}`]),
    vmImage,
    '/sbin/init',
  ]
  await run('docker', args, { timeout: 60_000 })
  try {
    await waitForBoot(name)
  }
  catch (error) {
    await run('docker', ['rm', '-f', name]).catch(() => {})
    throw error
  }

  const exec: Vm['exec'] = async (command, execOpts = {}) => {
    const flags = [...(execOpts.input !== undefined ? ['-i'] : []), ...(execOpts.user ? ['--user', execOpts.user] : []), ...Object.entries(execOpts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`])]
    return new Promise((resolve) => {
      const child = execFile('docker', ['exec', ...flags, name, ...command], { timeout: execOpts.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 } satisfies ExecFileOptions, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0
        resolve({ code, stdout: String(stdout), stderr: String(stderr), output: `${stdout}${stderr}` })
      })
      child.stdin?.end(execOpts.input ?? '')
    })
  }
  return {
    name,
    exec,
    async sh(script, shOpts = {}) {
      const result = await exec(['bash', '-euo', 'pipefail', '-c', script], shOpts)
      if (result.code !== 0) throw new Error(`in the VM, \`${script}\` exited ${result.code}:\n${result.output}`)
      return result.stdout
    },
    async copyIn(hostPath, vmPath) {
      await run('docker', ['cp', hostPath, `${name}:${vmPath}`], { timeout: 120_000 })
    },
    async reboot() {
      await run('docker', ['restart', '--time', '60', name], { timeout: 120_000 })
      await waitForBoot(name)
    },
    async remove() {
      await run('docker', ['rm', '-f', name], { timeout: 60_000 }).catch(() => {})
    },
  }
}
