import { defineCommand } from 'citty'
import { consola } from 'consola'
import { createAgentClient } from '../../client/agent-client'
import { warnIfKeyInClear } from '../../client/cleartext-key'
import { assertApiKeyFormat, describeConnection, normalizeHost } from '../../client/connection'
import { assertContextName, contextNames, currentContextName, DEFAULT_CONTEXT, readSettings, savedContext, settingsPath, updateContext, useContext } from '../../client/settings'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { asUsageError } from '../usage-error'
import { agentArgs, jsonArgs } from './_shared'

const mask = (key: string) => (key.length > 14 ? `${key.slice(0, 13)}…` : '***')

const contextArg = { context: { type: 'string', description: 'Save it in this named context (default: the current one; see `use-context`)', valueHint: 'name', completeWith: 'contexts' } } as const

/** The context set-host and set-key write to: the one named, else the current one. */
const targetContext = (name: string | undefined) => name ?? currentContextName(readSettings())
const inContext = (name: string) => name === DEFAULT_CONTEXT ? '' : ` in context "${name}"`

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

/** The errors of a request that got no answer at all (see client/agent-errors.ts). */
const NO_ANSWER = ['AGENT_UNREACHABLE', 'AGENT_TIMEOUT']

/** What answered `/_lambda/health` instead of an agent, in words. */
function strangerAnswer(host: string, error: LambdaError): string {
  if (['AGENT_ERROR', 'AGENT_REDIRECT', 'NOT_AN_AGENT'].includes(error.code)) return error.message
  const devServer = error.code === 'FUNCTION_NOT_FOUND' ? '; that is how `lambda dev` answers: it serves functions, not the admin API, which `lambda agent` serves' : ''
  return `${host}/_lambda/health answered ${error.status} ${error.code} ("${error.message}")${devServer}`
}

export default defineCommand({
  meta: { name: 'config', description: 'Where the CLI finds your agent (per-user settings, mode 0600)' },
  subCommands: {
    'set-host': defineLambdaCommand({
      meta: { name: 'set-host', description: 'Set the agent URL, e.g. http://203.0.113.7 (checks that an agent answers there)' },
      args: { url: { type: 'positional', required: true, description: 'Agent URL' }, ...contextArg, ...jsonArgs },
      async run({ args, json }) {
        const host = asUsageError(() => normalizeHost(args.url))
        const context = targetContext(args.context)
        asUsageError(() => assertContextName(context))
        const file = await updateContext(context, { host })
        if (!json) consola.success(`Agent set to ${host}${inContext(context)} (saved in ${file}).`)
        if (process.env.LAMBDA_HOST) consola.warn(`LAMBDA_HOST is set (${process.env.LAMBDA_HOST}) and wins over this setting while it is.`)
        const result = { host, context, settingsFile: file, answers: 'agent' as 'agent' | 'not-an-agent' | 'nothing', agent: null as { version: string, provider: string, domain: string } | null, problem: null as string | null, overriddenBy: process.env.LAMBDA_HOST ? 'LAMBDA_HOST' : null }
        try {
          const health = await createAgentClient({ host, hostSource: 'settings' }).health()
          // Every agent says what it is; a server that answers 200 to any path is not one.
          if ((health as { agent?: unknown } | null)?.agent !== 'mini-lambda') throw new LambdaError({ code: 'NOT_AN_AGENT', message: `${host}/_lambda/health answered, but not as a Mini Lambda agent.` })
          result.agent = { version: health.version, provider: health.provider, domain: health.domain }
          if (!json) consola.info(`A Mini Lambda agent answers there: version ${health.version}, ${health.provider} provider, functions at <name>.${health.domain}.`)
        }
        catch (error) {
          if (!LambdaError.is(error)) throw error
          // Anything but no answer at all is an answer: a redirect, a stranger's page, or an error in our own
          // format from what is not an agent (`lambda dev` answers 404 FUNCTION_NOT_FOUND for "_lambda").
          const notAnAgent = !NO_ANSWER.includes(error.code)
          Object.assign(result, { answers: notAnAgent ? 'not-an-agent' : 'nothing', problem: notAnAgent ? strangerAnswer(host, error) : error.message })
          const what = notAnAgent ? `something answers at ${host}, but it is not a Mini Lambda agent (${result.problem})` : `no agent answers at ${host}: ${error.message}`
          consola.warn(`Saved anyway, but ${what}\nCommands that talk to the agent fail until one answers there. Check the address and that \`lambda agent\` runs there and is reachable from here.`)
        }
        if (json) printJson(result)
      },
    }),
    'set-key': defineLambdaCommand({
      meta: { name: 'set-key', description: 'Set the API key the CLI sends to the agent (checked with the agent when it answers)' },
      args: { key: { type: 'positional', required: true, description: 'API key (printed by the agent on first start, or `lambda agent keys create`)' }, ...contextArg, ...jsonArgs },
      async run({ args, json }) {
        const key = args.key.trim()
        asUsageError(() => assertApiKeyFormat(key, 'That'))
        const context = targetContext(args.context)
        asUsageError(() => assertContextName(context))
        // A new context has no agent to check the key with yet.
        const { host } = contextNames(readSettings()).includes(context) ? describeConnection({ context: args.context }) : {}
        const check = host ? await checkKey(host, key) : undefined
        if (check && 'rejected' in check) {
          throw new LambdaError({
            code: 'API_KEY_REJECTED',
            status: 401,
            message: `The agent at ${host} does not accept this key (unknown, revoked or mistyped); the saved key is unchanged.`,
            hint: 'Check the key, or make a new one on the agent\'s machine with `lambda agent keys create`.',
          })
        }
        const file = await updateContext(context, { apiKey: key })
        const scope = check && 'scope' in check ? check.scope : null
        const problem = !host ? 'No agent is set yet (`lambda config set-host <url>`).' : check && 'unchecked' in check ? check.unchecked.message : null
        if (process.env.LAMBDA_API_KEY) consola.warn('LAMBDA_API_KEY is set and wins over this setting while it is.')
        if (json) return printJson({ apiKey: mask(key), context, settingsFile: file, host: host ?? null, checked: scope !== null, scope, problem, overriddenBy: process.env.LAMBDA_API_KEY ? 'LAMBDA_API_KEY' : null })
        const saved = `API key saved${inContext(context)} in ${file}`
        if (!host) consola.success(`${saved} (readable only by you). Not checked: no agent is set yet (\`lambda config set-host <url>${args.context ? ` --context ${args.context}` : ''}\`).`)
        else if (scope !== null) consola.success(`${saved} (readable only by you). The agent at ${host} accepts it (${scope} scope).`)
        else consola.warn(`${saved}, but not checked: ${problem}`)
      },
    }),
    'show': defineLambdaCommand({
      meta: { name: 'show', description: 'Show the agent URL and key the CLI uses (with --host, --key or --context: what that command line would use)' },
      args: { ...agentArgs, ...jsonArgs },
      async run({ args, json }) {
        const connection = asUsageError(() => describeConnection({ host: args.host, key: args.key, context: args.context }))
        if (connection.host) warnIfKeyInClear({ host: connection.host, apiKey: connection.apiKey })
        const view = {
          host: connection.host ?? null,
          hostSource: connection.hostSource ?? null,
          apiKey: connection.apiKey ? mask(connection.apiKey) : null,
          keySource: connection.keySource ?? null,
          context: connection.context ?? DEFAULT_CONTEXT,
          contexts: contextNames(readSettings()),
          settingsFile: settingsPath(),
        }
        if (json) return printJson(view)
        consola.log(`host:     ${view.host ?? '(not set: lambda config set-host <url>)'}${view.hostSource ? `  [${view.hostSource}]` : ''}`)
        consola.log(`api key:  ${view.apiKey ?? '(not set: lambda config set-key <key>)'}${view.keySource ? `  [${view.keySource}]` : ''}`)
        consola.log(`context:  ${view.context}  (saved: ${view.contexts.join(', ')})`)
        consola.log(`settings: ${view.settingsFile}`)
      },
    }),
    'use-context': defineLambdaCommand({
      meta: { name: 'use-context', description: 'Make a saved context (an agent and its key) the one commands use; `default` for the plain set-host / set-key values' },
      args: { name: { type: 'positional', required: true, description: 'Context name (saved with `lambda config set-host <url> --context <name>`)', completeWith: 'contexts' } },
      async run({ args }) {
        const file = await useContext(args.name)
        const { host } = savedContext(readSettings(), args.name)
        consola.success(`Commands now use the context "${args.name}"${host ? ` (${host})` : ' (no host saved yet: `lambda config set-host <url>`)'}; saved in ${file}.`)
        if (process.env.LAMBDA_CONTEXT) consola.warn(`LAMBDA_CONTEXT is set (${process.env.LAMBDA_CONTEXT}) and wins over this setting while it is.`)
        if (process.env.LAMBDA_HOST) consola.warn('LAMBDA_HOST is set and wins over the context\'s host while it is.')
      },
    }),
  },
})
