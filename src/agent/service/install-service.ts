import type { ServiceSettings } from './env-file'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { LambdaError } from '../../errors'
import { packageRoot } from '../../package-root'
import { parseEnvFile, renderEnvFile } from './env-file'
import { createFirstAdminKey } from './first-admin-key'
import { ENV_DIR, ENV_PATH, SERVICE_NAME, SERVICE_USER, UNIT_PATH } from './service-paths'
import { chownTree, createSystemUser, groupExists, primaryGroupOf } from './service-user'
import { requireRoot, systemctl, systemdMissing, systemdRunning } from './systemd'
import { renderUnitFile } from './unit-file'

export interface ServicePlan {
  /** The Node and the CLI the unit runs: this install's own. */
  nodePath: string
  cliPath: string
  unitPath: string
  envPath: string
  unit: string
  env: string
  user: string
  group: string
  /** The user does not exist yet: install creates it as a system account. */
  createUser: boolean
  settings: ServiceSettings
}

/** The two files `lambda agent install` writes, for this machine (its Node, this package, its groups). */
export async function planService(settings: ServiceSettings, user = SERVICE_USER): Promise<ServicePlan> {
  const existingGroup = await primaryGroupOf(user)
  if (existingGroup === undefined && user !== SERVICE_USER) {
    throw new LambdaError({ code: 'USER_NOT_FOUND', status: 400, message: `There is no user "${user}" on this machine.`, hint: `Create it first, or leave out --user: the service then runs as "${SERVICE_USER}", a system user install creates.` })
  }
  const group = existingGroup ?? user
  const root = packageRoot()
  const nodePath = process.execPath
  const cliPath = join(root, 'bin', 'lambda.mjs')
  const unit = renderUnitFile({
    nodePath,
    cliPath,
    docsPath: existsSync(join(root, 'docs', 'agent.md')) ? join(root, 'docs', 'agent.md') : undefined,
    user,
    group,
    dataDir: settings.dataDir,
    dockerGroup: user !== 'root' && settings.provider !== 'process' && await groupExists('docker'),
  })
  return { nodePath, cliPath, unitPath: UNIT_PATH, envPath: ENV_PATH, unit, env: renderEnvFile(settings), user, group, createUser: existingGroup === undefined, settings }
}

export interface InstallResult {
  /** The first admin key, when this install made it (a data dir without keys); shown once. */
  adminKey?: string
}

/** Where the unit's PrivateTmp=yes gives the service an empty folder of its own instead. */
const PRIVATE_TMP_DIRS = ['/tmp/', '/var/tmp/']

/** Node or this CLI under /tmp: the service would not see them, and would fail at every start. */
export function hiddenByPrivateTmp(plan: Pick<ServicePlan, 'nodePath' | 'cliPath'>): string[] {
  return [plan.nodePath, plan.cliPath].filter(path => PRIVATE_TMP_DIRS.some(dir => path.startsWith(dir)))
}

export function installFromTmp(paths: string[]): LambdaError {
  return new LambdaError({
    code: 'INSTALL_FROM_TMP',
    status: 409,
    message: `The service would run ${paths.join(' and ')}, under a temporary folder that its own private /tmp (PrivateTmp=yes in the unit) hides from it: the agent would never start.`,
    hint: 'Install the package for good first (`npm pack` in the clone, then `sudo npm install -g ./mini-lambda-0.1.0.tgz`, see docs/install.md), or move the clone out of /tmp, and run `lambda agent install` from there.',
  })
}

/** Writes the files, then `daemon-reload`, `enable` and (re)start: a reinstall applies new settings. */
export async function installService(plan: ServicePlan, log: (line: string) => void): Promise<InstallResult> {
  const hidden = hiddenByPrivateTmp(plan)
  if (hidden.length > 0) throw installFromTmp(hidden)
  requireRoot('lambda agent install')
  if (!systemdRunning()) throw systemdMissing('lambda agent install')
  if (plan.createUser) {
    await createSystemUser(plan.user, plan.settings.dataDir)
    log(`Created the system user ${plan.user}.`)
  }
  // Parents the service user can pass through; the data dir itself private to it.
  await mkdir(dirname(plan.settings.dataDir), { recursive: true, mode: 0o755 })
  await mkdir(plan.settings.dataDir, { recursive: true, mode: 0o700 })
  const adminKey = await createFirstAdminKey(plan.settings.dataDir)
  // After the key: everything in the data dir is the service user's.
  await chownTree(plan.settings.dataDir, plan.user, plan.group)
  await mkdir(ENV_DIR, { recursive: true, mode: 0o755 })
  await writeFile(plan.envPath, plan.env, { mode: 0o644 })
  await writeFile(plan.unitPath, plan.unit, { mode: 0o644 })
  await chmod(plan.unitPath, 0o644)
  log(`Wrote ${plan.unitPath} and ${plan.envPath}.`)
  await systemctl(['daemon-reload'])
  await systemctl(['enable', `${SERVICE_NAME}.service`])
  await systemctl(['restart', `${SERVICE_NAME}.service`])
  return { adminKey }
}

export interface UninstallResult {
  removed: string[]
  /** Kept: the functions, keys, secrets and logs, for a later install. */
  dataDir?: string
}

export interface UninstallPlan {
  /** The unit is there: uninstall stops and disables the service first. */
  installed: boolean
  /** The files uninstall removes, of those that exist. */
  remove: string[]
  /** Kept, as is the service user. */
  dataDir?: string
}

/** What `lambda agent uninstall` would do here: read-only, so no root and no systemd needed (`--dry-run`). */
export async function planUninstall(): Promise<UninstallPlan> {
  const dataDir = existsSync(ENV_PATH) ? parseEnvFile(await readFile(ENV_PATH, 'utf8')).LAMBDA_DATA_DIR : undefined
  return { installed: existsSync(UNIT_PATH), remove: [UNIT_PATH, ENV_PATH].filter(path => existsSync(path)), dataDir }
}

/** Stops and disables the service and removes its two files; the data dir and the user stay. */
export async function uninstallService(log: (line: string) => void): Promise<UninstallResult> {
  requireRoot('lambda agent uninstall')
  if (!systemdRunning()) throw systemdMissing('lambda agent uninstall')
  const { dataDir } = await planUninstall()
  if (existsSync(UNIT_PATH)) {
    await systemctl(['disable', '--now', `${SERVICE_NAME}.service`])
    log(`Stopped and disabled ${SERVICE_NAME}.service.`)
  }
  const removed: string[] = []
  for (const path of [UNIT_PATH, ENV_PATH]) {
    if (!existsSync(path)) continue
    await rm(path, { force: true })
    removed.push(path)
  }
  if (existsSync(ENV_DIR) && (await readdir(ENV_DIR)).length === 0) await rm(ENV_DIR, { recursive: true, force: true })
  await systemctl(['daemon-reload'])
  return { removed, dataDir }
}
