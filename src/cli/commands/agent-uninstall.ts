import { consola } from 'consola'
import { SERVICE_NAME, SERVICE_USER } from '../../agent/service/service-paths'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { progressNotes } from '../output/notes'
import { jsonArgs } from './_shared'

const keptNote = (dataDir: string) => `the data dir ${dataDir} (functions, keys, secrets, logs): a later \`lambda agent install --data-dir ${dataDir}\` serves them again. The user ${SERVICE_USER} is kept too (\`userdel ${SERVICE_USER}\`).`

export default defineLambdaCommand({
  meta: { name: 'uninstall', description: 'Stop and remove the agent\'s systemd service (needs root); the data dir is kept. --dry-run shows what it would remove' },
  args: {
    'dry-run': { type: 'boolean', description: 'Print what it would stop and remove; change nothing (no root needed)', default: false },
    ...jsonArgs,
  },
  async run({ args, json }) {
    const { planUninstall, uninstallService } = await import('../../agent/service/install-service')
    if (args['dry-run']) {
      const plan = await planUninstall()
      if (json) return printJson({ dryRun: true, installed: plan.installed, remove: plan.remove, dataDir: plan.dataDir ?? null })
      if (plan.installed) process.stdout.write(`Would stop and disable ${SERVICE_NAME}.service.\n`)
      for (const path of plan.remove) process.stdout.write(`Would remove ${path}\n`)
      if (plan.remove.length === 0) process.stdout.write(`${SERVICE_NAME}.service is not installed: nothing to remove.\n`)
      if (plan.dataDir) process.stdout.write(`Would keep ${keptNote(plan.dataDir)}\n`)
      return
    }
    const notes = progressNotes()
    const result = await uninstallService(line => notes.info(line))
    if (json) return printJson({ dryRun: false, ...result })
    consola.success(result.removed.length > 0 ? `Removed ${result.removed.join(' and ')}.` : `${SERVICE_NAME}.service was not installed.`)
    if (result.dataDir) consola.info(`Kept ${keptNote(result.dataDir)}`)
  },
})
