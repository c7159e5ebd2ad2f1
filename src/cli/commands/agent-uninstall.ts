import { consola } from 'consola'
import { SERVICE_NAME } from '../../agent/service/service-paths'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { progressNotes } from '../output/notes'
import { jsonArgs } from './_shared'

const keptNote = (dataDir: string) => `the data dir ${dataDir} (functions, keys, secrets, logs): a later \`lambda agent install --data-dir ${dataDir}\` serves them again; \`--purge\` removes it.`

export default defineLambdaCommand({
  meta: { name: 'uninstall', description: 'Stop and remove the agent\'s systemd service and the user install made (needs root); the data dir is kept unless --purge. --dry-run shows what it would remove' },
  args: {
    'purge': { type: 'boolean', description: 'Also remove the data dir (functions, versions, keys, secrets, logs) and the images the agent built', default: false },
    'dry-run': { type: 'boolean', description: 'Print what it would stop and remove; change nothing (no root needed)', default: false },
    ...jsonArgs,
  },
  async run({ args, json }) {
    const { planUninstall, uninstallService } = await import('../../agent/service/uninstall-service')
    if (args['dry-run']) {
      const plan = await planUninstall({ purge: args.purge })
      if (json) return printJson({ dryRun: true, installed: plan.installed, remove: plan.remove, user: plan.user ?? null, dataDir: plan.dataDir ?? null, purge: plan.purge })
      if (plan.installed) process.stdout.write(`Would stop and disable ${SERVICE_NAME}.service.\n`)
      for (const path of plan.remove) process.stdout.write(`Would remove ${path}\n`)
      if (plan.remove.length === 0) process.stdout.write(`${SERVICE_NAME}.service is not installed: nothing to remove.\n`)
      if (plan.user) process.stdout.write(`Would remove the system user ${plan.user}.\n`)
      if (plan.dataDir) process.stdout.write(plan.purge ? `Would remove the data dir ${plan.dataDir} and the images the agent built.\n` : `Would keep ${keptNote(plan.dataDir)}\n`)
      return
    }
    const notes = progressNotes()
    const result = await uninstallService({ purge: args.purge }, line => notes.info(line))
    if (json) return printJson({ dryRun: false, removed: result.removed, removedUser: result.removedUser ?? null, dataDir: result.dataDir ?? null, purge: result.purge, docker: result.docker ?? null })
    consola.success(result.removed.length > 0 ? `Removed ${result.removed.join(', ')}.` : `${SERVICE_NAME}.service was not installed.`)
    if (result.removedUser) consola.info(`Removed the system user ${result.removedUser}.`)
    if (result.dataDir && !result.purge) consola.info(`Kept ${keptNote(result.dataDir)}`)
  },
})
