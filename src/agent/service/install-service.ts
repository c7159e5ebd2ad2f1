import type { ServiceSettings } from './env-file'
import type { ServiceProbe } from './wait-for-service'
import { existsSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { LambdaError } from '../../errors'
import { packageRoot } from '../../package-root'
import { renderEnvFile } from './env-file'
import { createFirstAdminKey } from './first-admin-key'
import { journalExcerpt } from './service-journal'
import { ENV_DIR, ENV_PATH, SERVICE_NAME, SERVICE_USER, UNIT_PATH } from './service-paths'
import { chownTree, createSystemUser, groupExists, primaryGroupOf } from './service-user'
import { requireRoot, systemctl, systemdMissing, systemdRunning } from './systemd'
import { renderUnitFile } from './unit-file'
import { waitForService } from './wait-for-service'

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
  /** The service's process that answered, and its version. */
  answered?: { pid: number, version: string }
  /** Why the service is installed but not serving: its own words from the journal. Shown after the key. */
  problem?: LambdaError
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

/** Where install asks the agent's health: its port, its scheme (TLS flags), its --host. */
function probeOf(plan: ServicePlan): ServiceProbe {
  const args = plan.settings.agentArgs
  const host = args.includes('--host') ? args[args.indexOf('--host') + 1] : undefined
  return { port: plan.settings.port, scheme: args.includes('--tls-cert') ? 'https' : 'http', host, dataDir: plan.settings.dataDir }
}

function notAnswering(reason: string, journal: string[]): LambdaError {
  return new LambdaError({
    code: 'SERVICE_NOT_ANSWERING',
    status: 503,
    message: `${SERVICE_NAME}.service is installed and enabled, but the agent is not serving: ${reason}.${journal.length > 0 ? `\nThe journal says (journalctl -u ${SERVICE_NAME} -p warning):\n${journal.map(line => `  ${line}`).join('\n')}` : ''}`,
    hint: `Fix what it says, then run \`sudo lambda agent install\` again with the same flags (the data dir and its keys are kept). All of it: \`journalctl -u ${SERVICE_NAME} -e\`; stop the retries: \`sudo systemctl stop ${SERVICE_NAME}\`.`,
  })
}

/**
 * Writes the files, then `daemon-reload`, `enable` and (re)start: a reinstall applies new settings.
 * Then waits for the agent to answer: a service that crash-loops is reported with the journal's words.
 */
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
  // One that existed (made by hand, a mounted volume) is made private too: keys and secrets live there.
  await chmod(plan.settings.dataDir, 0o700)
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
  // journalctl --since counts whole seconds: a second back, so the first lines are not missed.
  const since = new Date(Date.now() - 1000)
  await systemctl(['restart', `${SERVICE_NAME}.service`])
  log(`Started ${SERVICE_NAME}.service; waiting for the agent to answer (its first start assembles the base image).`)
  const outcome = await waitForService(probeOf(plan))
  if (outcome.ok) return { adminKey, answered: { pid: outcome.pid, version: outcome.health.version } }
  return { adminKey, problem: notAnswering(outcome.reason, await journalExcerpt(since)) }
}
