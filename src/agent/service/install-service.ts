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
  const unit = renderUnitFile({
    nodePath: process.execPath,
    cliPath: join(root, 'bin', 'lambda.mjs'),
    docsPath: existsSync(join(root, 'docs', 'agent.md')) ? join(root, 'docs', 'agent.md') : undefined,
    user,
    group,
    dataDir: settings.dataDir,
    dockerGroup: user !== 'root' && settings.provider !== 'process' && await groupExists('docker'),
  })
  return { unitPath: UNIT_PATH, envPath: ENV_PATH, unit, env: renderEnvFile(settings), user, group, createUser: existingGroup === undefined, settings }
}

export interface InstallResult {
  /** The first admin key, when this install made it (a data dir without keys); shown once. */
  adminKey?: string
}

/** Writes the files, then `daemon-reload`, `enable` and (re)start: a reinstall applies new settings. */
export async function installService(plan: ServicePlan, log: (line: string) => void): Promise<InstallResult> {
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

/** Stops and disables the service and removes its two files; the data dir and the user stay. */
export async function uninstallService(log: (line: string) => void): Promise<UninstallResult> {
  requireRoot('lambda agent uninstall')
  if (!systemdRunning()) throw systemdMissing('lambda agent uninstall')
  const dataDir = existsSync(ENV_PATH) ? parseEnvFile(await readFile(ENV_PATH, 'utf8')).LAMBDA_DATA_DIR : undefined
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
