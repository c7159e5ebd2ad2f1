import { consola } from 'consola'
import { listenPort } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { jsonArgs } from './_shared'
import { printTable } from './_table'

const formatUptime = (seconds: number) => {
  const d = Math.floor(seconds / 86400)
  const h = Math.floor((seconds % 86400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${seconds % 60}s` : `${seconds}s`
}

/**
 * It looked where it was told (or the installed service's data dir, or the default): an agent started with
 * another --data-dir runs unseen, so say how to look there.
 */
function otherAgentHint(given: string | undefined): string {
  const chosen = given !== undefined ? 'the one given with --data-dir' : 'the installed service\'s, else the one LAMBDA_DATA_DIR names, else this user\'s default'
  return `That data dir is ${chosen}. Was your agent started with --data-dir <dir>? Run \`lambda agent status --data-dir <dir>\`.`
}

export default defineLambdaCommand({
  meta: { name: 'status', description: 'The agent on this machine: running, version, uptime, functions, keys, and its systemd service' },
  args: {
    'data-dir': { type: 'string', description: 'The agent\'s data dir (default: the installed service\'s, else the agent\'s default)', valueHint: 'dir' },
    'port': { type: 'string', alias: 'p', value: { ...listenPort, example: '80' }, description: 'Port the agent listens on (default: from its data dir, else the service\'s, else 80)', valueHint: 'port' },
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    const { agentStatus } = await import('../../agent/service/agent-status')
    const status = await agentStatus({ dataDir: args['data-dir'], port: values.port })
    if (json) {
      printJson(status)
    }
    else {
      if (status.running) consola.success(`The agent is running (version ${status.version}) at ${status.url}.`)
      else consola.warn(`${status.problem ?? 'The agent is not running.'}\n${otherAgentHint(args['data-dir'])}`)
      if (status.running && status.problem) consola.warn(status.problem)
      const service = status.service
      const rows: string[][] = [
        ['Version', status.version ?? `- (this CLI: ${status.cliVersion})`],
        ['Uptime', status.uptimeSeconds === undefined ? '-' : `${formatUptime(status.uptimeSeconds)} (since ${status.startedAt}, pid ${status.pid})`],
        ['Provider', status.provider ?? '-'],
        ['Domain', status.domain ? `<name>.${status.domain}` : '-'],
        ['Functions', status.functions.length === 0 ? '0' : `${status.functions.length}: ${status.functions.join(', ')}`],
        ['Data dir', status.dataDir],
        ['API keys', `${status.keys.total} (admin ${status.keys.admin}, deploy ${status.keys.deploy}, invoke ${status.keys.invoke})`],
        ['Service', service === null ? 'systemd is not running here' : service.installed ? `${service.activeState} (${service.subState}), ${service.unitFileState}${service.activeSince ? `, since ${service.activeSince}` : ''}` : 'not installed (`sudo lambda agent install`)'],
      ]
      printTable(rows)
    }
    // Scripts (and monitoring) can test the exit code: 1 when nothing answers.
    if (!status.running) process.exitCode = 1
  },
})
