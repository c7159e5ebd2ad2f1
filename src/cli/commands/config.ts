import { defineCommand } from 'citty'
import { consola } from 'consola'
import { createAgentClient } from '../../client/agent-client'
import { normalizeHost, readSettings, settingsPath, updateSettings } from '../../client/settings'
import { defineLambdaCommand } from '../define-command'

const mask = (key: string) => (key.length > 14 ? `${key.slice(0, 13)}…` : '***')

export default defineCommand({
  meta: { name: 'config', description: 'Where the CLI finds your agent (per-user settings, mode 0600)' },
  subCommands: {
    'set-host': defineLambdaCommand({
      meta: { name: 'set-host', description: 'Set the agent URL, e.g. http://203.0.113.7:7070' },
      args: { url: { type: 'positional', required: true, description: 'Agent URL' } },
      async run({ args }) {
        const host = normalizeHost(args.url)
        const file = await updateSettings({ host })
        consola.success(`Agent set to ${host} (saved in ${file}).`)
        try {
          const health = await createAgentClient({ host, hostSource: 'settings' }).health()
          consola.info(`Reached Mini Lambda ${health.version} (${health.provider} provider, functions at <name>.${health.domain}).`)
        }
        catch (error) {
          consola.warn(`Saved, but the agent does not answer yet: ${(error as Error).message}`)
        }
      },
    }),
    'set-key': defineLambdaCommand({
      meta: { name: 'set-key', description: 'Set the API key the CLI sends to the agent' },
      args: { key: { type: 'positional', required: true, description: 'API key (printed by the agent on first start, or `lambda agent keys create`)' } },
      async run({ args }) {
        const file = await updateSettings({ apiKey: args.key.trim() })
        consola.success(`API key saved in ${file} (readable only by you).`)
      },
    }),
    'show': defineLambdaCommand({
      meta: { name: 'show', description: 'Show the agent URL and key the CLI uses' },
      args: { json: { type: 'boolean', default: false, description: 'Print JSON' } },
      async run({ args }) {
        const settings = readSettings()
        const host = process.env.LAMBDA_HOST || settings.host
        const key = process.env.LAMBDA_API_KEY || settings.apiKey
        const view = {
          host: host ? normalizeHost(host) : null,
          hostSource: process.env.LAMBDA_HOST ? 'LAMBDA_HOST' : settings.host ? 'settings' : null,
          apiKey: key ? mask(key) : null,
          keySource: process.env.LAMBDA_API_KEY ? 'LAMBDA_API_KEY' : settings.apiKey ? 'settings' : null,
          settingsFile: settingsPath(),
        }
        if (args.json) return void process.stdout.write(`${JSON.stringify(view, null, 2)}\n`)
        consola.log(`host:     ${view.host ?? '(not set: lambda config set-host <url>)'}${view.hostSource ? `  [${view.hostSource}]` : ''}`)
        consola.log(`api key:  ${view.apiKey ?? '(not set: lambda config set-key <key>)'}${view.keySource ? `  [${view.keySource}]` : ''}`)
        consola.log(`settings: ${view.settingsFile}`)
      },
    }),
  },
})
