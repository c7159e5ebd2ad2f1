import { defineCommand } from 'citty'
import { consola } from 'consola'
import { API_KEY_RE } from '../../api/admin-api'
import { createAgentClient } from '../../client/agent-client'
import { warnIfKeyInClear } from '../../client/cleartext-key'
import { describeConnection, normalizeHost, settingsPath, updateSettings } from '../../client/settings'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { usageError } from '../usage-error'
import { jsonArgs } from './_shared'

const mask = (key: string) => (key.length > 14 ? `${key.slice(0, 13)}…` : '***')

/** What the agent at `host` says about `key`: its scope, rejected, or no answer to tell. */
async function checkKey(host: string, key: string): Promise<{ scope: string } | { rejected: LambdaError } | { unchecked: LambdaError }> {
  try {
    // Listing keys needs admin: an admin key gets the list, any other valid key a 403 naming its scope.
    await createAgentClient({ host, hostSource: 'settings', apiKey: key }).listKeys()
    return { scope: 'admin' }
  }
  catch (error) {
    if (!LambdaError.is(error)) throw error
    if (error.code === 'KEY_SCOPE') return { scope: String(error.data?.scope ?? 'a lower') }
    if (error.status === 401) return { rejected: error }
    return { unchecked: error }
  }
}

export default defineCommand({
  meta: { name: 'config', description: 'Where the CLI finds your agent (per-user settings, mode 0600)' },
  subCommands: {
    'set-host': defineLambdaCommand({
      meta: { name: 'set-host', description: 'Set the agent URL, e.g. http://203.0.113.7:7070 (checks that an agent answers there)' },
      args: { url: { type: 'positional', required: true, description: 'Agent URL' } },
      async run({ args }) {
        let host: string
        try {
          host = normalizeHost(args.url)
        }
        catch (error) {
          if (!LambdaError.is(error)) throw error
          throw usageError({ code: error.code, message: error.message, hint: error.hint })
        }
        const file = await updateSettings({ host })
        consola.success(`Agent set to ${host} (saved in ${file}).`)
        if (process.env.LAMBDA_HOST) consola.warn(`LAMBDA_HOST is set (${process.env.LAMBDA_HOST}) and wins over this setting while it is.`)
        try {
          const health = await createAgentClient({ host, hostSource: 'settings' }).health()
          if (health.agent !== undefined && health.agent !== 'mini-lambda') throw new LambdaError({ code: 'NOT_AN_AGENT', message: `${host}/_lambda/health answered, but not as a Mini Lambda agent.` })
          consola.info(`A Mini Lambda agent answers there: version ${health.version}, ${health.provider} provider, functions at <name>.${health.domain}.`)
        }
        catch (error) {
          if (!LambdaError.is(error)) throw error
          const what = ['AGENT_ERROR', 'AGENT_REDIRECT', 'NOT_AN_AGENT'].includes(error.code) ? `something answers at ${host}, but it is not a Mini Lambda agent (${error.message})` : `no agent answers at ${host}: ${error.message}`
          consola.warn(`Saved anyway, but ${what}\nCommands that talk to the agent fail until one answers there. Check the address and that \`lambda agent\` runs there and is reachable from here.`)
        }
      },
    }),
    'set-key': defineLambdaCommand({
      meta: { name: 'set-key', description: 'Set the API key the CLI sends to the agent (checked with the agent when it answers)' },
      args: { key: { type: 'positional', required: true, description: 'API key (printed by the agent on first start, or `lambda agent keys create`)' } },
      async run({ args }) {
        const key = args.key.trim()
        if (!API_KEY_RE.test(key)) {
          throw usageError({
            code: 'INVALID_API_KEY_FORMAT',
            message: `That is not a Mini Lambda API key (${key.length} characters): keys look like mlk_<8 letters or digits>_<43 characters>.`,
            hint: 'Copy the whole key the agent printed when it first started, or make one on the agent\'s machine with `lambda agent keys create`.',
          })
        }
        const { host } = describeConnection()
        const check = host ? await checkKey(host, key) : undefined
        if (check && 'rejected' in check) {
          throw new LambdaError({
            code: 'API_KEY_REJECTED',
            status: 401,
            message: `The agent at ${host} does not accept this key (unknown, revoked or mistyped); the saved key is unchanged.`,
            hint: 'Check the key, or make a new one on the agent\'s machine with `lambda agent keys create`.',
          })
        }
        const file = await updateSettings({ apiKey: key })
        if (!host) consola.success(`API key saved in ${file} (readable only by you). Not checked: no agent is set yet (\`lambda config set-host <url>\`).`)
        else if ('scope' in check!) consola.success(`API key saved in ${file} (readable only by you). The agent at ${host} accepts it (${check.scope} scope).`)
        else consola.warn(`API key saved in ${file}, but not checked: ${(check as { unchecked: LambdaError }).unchecked.message}`)
        if (process.env.LAMBDA_API_KEY) consola.warn('LAMBDA_API_KEY is set and wins over this setting while it is.')
      },
    }),
    'show': defineLambdaCommand({
      meta: { name: 'show', description: 'Show the agent URL and key the CLI uses' },
      args: { ...jsonArgs },
      async run({ json }) {
        const connection = describeConnection()
        if (connection.host) warnIfKeyInClear({ host: connection.host, apiKey: connection.apiKey })
        const view = {
          host: connection.host ?? null,
          hostSource: connection.hostSource ?? null,
          apiKey: connection.apiKey ? mask(connection.apiKey) : null,
          keySource: connection.keySource ?? null,
          settingsFile: settingsPath(),
        }
        if (json) return printJson(view)
        consola.log(`host:     ${view.host ?? '(not set: lambda config set-host <url>)'}${view.hostSource ? `  [${view.hostSource}]` : ''}`)
        consola.log(`api key:  ${view.apiKey ?? '(not set: lambda config set-key <key>)'}${view.keySource ? `  [${view.keySource}]` : ''}`)
        consola.log(`settings: ${view.settingsFile}`)
      },
    }),
  },
})
