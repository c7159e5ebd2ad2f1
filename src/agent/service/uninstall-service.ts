import { existsSync, readFileSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { removeDockerLeftovers } from './agent-docker-leftovers'
import { parseEnvFile } from './env-file'
import { ENV_DIR, ENV_PATH, SERVICE_NAME, SERVICE_USER, UNIT_PATH } from './service-paths'
import { deleteSystemUser, userExists } from './service-user'
import { requireRoot, systemctl, systemdMissing, systemdRunning } from './systemd'

export interface UninstallPlan {
  /** The unit is there: uninstall stops and disables the service first. */
  installed: boolean
  /** The files uninstall removes, of those that exist. */
  remove: string[]
  /** The user install created, removed with the service; a user given with --user is the operator's and stays. */
  user?: string
  /** The data dir: kept, or removed with --purge. */
  dataDir?: string
  purge: boolean
}

export interface UninstallResult extends UninstallPlan {
  removed: string[]
  removedUser?: string
  /** Function containers the agent kept for its next start, and with --purge the images it built. */
  docker?: { containers: number, images: number }
}

/** Everything in it, then the folder itself, unless it is a mount point (a volume of its own): that stays, empty. */
async function removeDataDir(dataDir: string): Promise<void> {
  await Promise.all((await readdir(dataDir)).map(name => rm(join(dataDir, name), { recursive: true, force: true })))
  await rm(dataDir, { recursive: true, force: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EBUSY') throw error
  })
}

function unitUser(): string | undefined {
  try {
    return readFileSync(UNIT_PATH, 'utf8').match(/^User=(.+)$/m)?.[1]?.trim()
  }
  catch {
    return undefined
  }
}

/** What `lambda agent uninstall` would do here: read-only, so no root and no systemd needed (`--dry-run`). */
export async function planUninstall(opts: { purge?: boolean } = {}): Promise<UninstallPlan> {
  const dataDir = existsSync(ENV_PATH) ? parseEnvFile(readFileSync(ENV_PATH, 'utf8')).LAMBDA_DATA_DIR : undefined
  const user = unitUser() === SERVICE_USER && await userExists(SERVICE_USER) ? SERVICE_USER : undefined
  return { installed: existsSync(UNIT_PATH), remove: [UNIT_PATH, ENV_PATH].filter(path => existsSync(path)), user, dataDir, purge: opts.purge === true }
}

/**
 * Stops and disables the service, removes its two files, the containers it kept running for its next
 * start, and the system user install created. The data dir (functions, keys, secrets, logs) stays
 * unless `purge`, which removes it and the images the agent built.
 */
export async function uninstallService(opts: { purge?: boolean }, log: (line: string) => void): Promise<UninstallResult> {
  requireRoot('lambda agent uninstall')
  if (!systemdRunning()) throw systemdMissing('lambda agent uninstall')
  const plan = await planUninstall(opts)
  if (plan.installed) {
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
  const docker = plan.dataDir && existsSync(plan.dataDir) ? await removeDockerLeftovers(plan.dataDir, { images: plan.purge }) : undefined
  if (docker && docker.containers + docker.images > 0) log(`Removed ${docker.containers} function container(s)${plan.purge ? ` and ${docker.images} image(s)` : ''} from Docker.`)
  if (plan.user) await deleteSystemUser(plan.user)
  if (plan.purge && plan.dataDir && existsSync(plan.dataDir)) {
    await removeDataDir(plan.dataDir)
    removed.push(plan.dataDir)
  }
  return { ...plan, removed, removedUser: plan.user, docker }
}
