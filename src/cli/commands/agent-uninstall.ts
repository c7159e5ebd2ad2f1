import { consola } from 'consola'
import { SERVICE_NAME, SERVICE_USER } from '../../agent/service/service-paths'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { jsonArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'uninstall', description: 'Stop and remove the agent\'s systemd service (needs root); the data dir is kept' },
  args: { ...jsonArgs },
  async run({ json }) {
    const { uninstallService } = await import('../../agent/service/install-service')
    const result = await uninstallService(line => consola.info(line))
    if (json) return printJson(result)
    consola.success(result.removed.length > 0 ? `Removed ${result.removed.join(' and ')}.` : `${SERVICE_NAME}.service was not installed.`)
    if (result.dataDir) consola.info(`Kept the data dir ${result.dataDir} (functions, keys, secrets, logs): a later \`lambda agent install --data-dir ${result.dataDir}\` serves them again. The user ${SERVICE_USER} is kept too (\`userdel ${SERVICE_USER}\`).`)
  },
})
