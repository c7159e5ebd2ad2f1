import type { Vm } from './vm'
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { create as createTar, extract as extractTar } from 'tar'
import { npm, npmInstallOffline } from './npm'
import { repoRoot } from './paths'

const run = promisify(execFile)

/**
 * Where the VM finds the host's npm cache: `npm install -g` there runs offline from it. Mounted writable:
 * npm writes its temporary files into the cache even offline (cacache is safe for concurrent writers).
 */
export const VM_NPM_CACHE = '/var/cache/host-npm'

/** The host's npm cache, for `startVm({ mounts: { [await hostNpmCache()]: VM_NPM_CACHE } })`. */
export async function hostNpmCache(): Promise<string> {
  return (await npm(['config', 'get', 'cache'], repoRoot)).stdout.trim()
}

/**
 * `npm pack` of this checkout as built (dist/ from `npm run build`; no scripts, so the suites beside this
 * one keep their dist/), and the host's npm cache filled with everything installing it needs, so the VM
 * can install it offline.
 */
export async function packForVm(dir: string): Promise<string> {
  const { stdout } = await npm(['pack', '--ignore-scripts', '--pack-destination', dir], repoRoot)
  const tarball = join(dir, stdout.trim().split('\n').pop()!)
  const prefix = mkdtempSync(join(dir, 'warm-'))
  await npmInstallOffline(['-g', '--prefix', prefix, tarball], dir)
  rmSync(prefix, { recursive: true, force: true })
  return tarball
}

/**
 * The same package claiming a newer version, for an upgrade: its package.json and the version the CLI
 * and the agent's health report (bundled into dist/ at build time) say `version`.
 */
export async function newerTarball(tarball: string, version: string, dir: string): Promise<string> {
  const unpacked = mkdtempSync(join(dir, 'newer-'))
  await extractTar({ file: tarball, cwd: unpacked })
  const pkgFile = join(unpacked, 'package/package.json')
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
  const old = pkg.version as string
  writeFileSync(pkgFile, `${JSON.stringify({ ...pkg, version }, null, 2)}\n`)
  let replaced = 0
  const chunks = join(unpacked, 'package/dist/chunks')
  for (const file of readdirSync(chunks).filter(f => f.endsWith('.mjs'))) {
    const text = readFileSync(join(chunks, file), 'utf8')
    const next = text.replaceAll(`const version = "${old}";`, `const version = "${version}";`)
    if (next !== text) {
      writeFileSync(join(chunks, file), next)
      replaced++
    }
  }
  if (replaced === 0) throw new Error(`no \`const version = "${old}"\` in dist/chunks: the build changed, update newerTarball()`)
  const out = join(dir, `mini-lambda-${version}.tgz`)
  await createTar({ gzip: true, file: out, cwd: unpacked, portable: true }, ['package'])
  rmSync(unpacked, { recursive: true, force: true })
  return out
}

/**
 * This host's Node and npm in the VM, laid out as the Node.js binary tarball lays them out under
 * /usr/local (`tar -C /usr/local --strip-components=1 -xf node-v20…-linux-x64.tar.xz`), and npm set to
 * install offline from the host's cache (the VM has no registry to reach in these tests).
 */
export async function installNodeInVm(vm: Vm): Promise<void> {
  const npmRoot = dirname(realpathSync(join((await run('npm', ['root', '-g'])).stdout.trim(), 'npm', 'package.json')))
  await vm.copyIn(realpathSync(process.execPath), '/usr/local/bin/node')
  await vm.sh('mkdir -p /usr/local/lib/node_modules /usr/local/etc')
  await vm.copyIn(npmRoot, '/usr/local/lib/node_modules/npm')
  await vm.sh([
    'ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm',
    'ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
    `printf 'cache=${VM_NPM_CACHE}\\noffline=true\\nlogs-dir=/var/log/npm\\nupdate-notifier=false\\nfund=false\\naudit=false\\n' > /usr/local/etc/npmrc`,
  ].join(' && '))
}

/** The base image the VM's agent assembled or found, as its journal names it, and whether it assembled it. */
export async function vmAgentBase(vm: Vm): Promise<{ tag: string, assembled: boolean } | undefined> {
  const journal = await vm.sh('journalctl -u mini-lambda -o cat --no-pager')
  const assembled = journal.match(/Assembling (mini-lambda\/runtime:[0-9a-f]{12})/)?.[1]
  const found = journal.match(/Functions build on the base image (mini-lambda\/runtime:[0-9a-f]{12})/)?.[1]
  return assembled ? { tag: assembled, assembled: true } : found ? { tag: found, assembled: false } : undefined
}

/**
 * What a VM's agent left in the host's Docker: its containers and images, and its base (its Node path
 * differs from the host's, so no suite outside the VMs uses that base). The base stays while the other
 * VM suite's images are built on it: the same VM layout makes the same base, and the last one removes it.
 */
export function removeVmAgentLeftovers(agentId: string | undefined, base: string | undefined): void {
  if (agentId) {
    for (const [kind, list] of [['rm', ['ps', '-aq']], ['rmi', ['images', '-q']]] as const) {
      const ids = execFileSync('docker', [...list, '--filter', `label=mini-lambda.agent=${agentId}`], { encoding: 'utf8' }).split('\n').filter(Boolean)
      if (ids.length > 0) execFileSync('docker', [kind, '-f', ...new Set(ids)], { stdio: 'ignore' })
    }
  }
  if (base) {
    try {
      execFileSync('docker', ['rmi', base], { stdio: 'ignore' })
    }
    catch {}
  }
}
