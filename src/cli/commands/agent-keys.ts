import type { KeyScope } from '../../agent/auth/key-scopes'
import { defineCommand } from 'citty'
import { consola } from 'consola'
import { keyNameProblem } from '../../agent/auth/key-names'
import { DEFAULT_KEY_SCOPE, KEY_SCOPES } from '../../agent/auth/key-scopes'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { usageError } from '../usage-error'
import { agentStateArgs, withAgentState } from './_agent-state'
import { jsonArgs } from './_shared'
import { printTable } from './_table'

const create = defineLambdaCommand({
  meta: { name: 'create', description: 'Create an API key and print it once' },
  args: {
    ...agentStateArgs,
    name: { type: 'string', description: 'A label for the key: 1-64 letters, digits, ".", "_", "-" (default: the scope)', valueHint: 'name' },
    scope: { type: 'enum', options: [...KEY_SCOPES], description: `What the key may do: ${KEY_SCOPES.join(' > ')}, each including the next (default: ${DEFAULT_KEY_SCOPE})`, valueHint: 'scope' },
    ...jsonArgs,
  },
  async run({ args, json }) {
    const { createApiKey, describeName } = await import('../../agent/auth/api-keys')
    const scope = (args.scope ?? DEFAULT_KEY_SCOPE) as KeyScope
    const nameProblem = args.name === undefined ? undefined : keyNameProblem(args.name)
    if (nameProblem) throw usageError({ code: 'INVALID_KEY_NAME', message: `Key name ${describeName(args.name)} ${nameProblem.problem}.`, hint: nameProblem.hint })
    const { key, record } = await withAgentState(args, state => createApiKey(state.keys, args.name ?? scope, scope))
    if (json) return printJson({ id: record.id, name: record.name, scope: record.scope, createdAt: record.createdAt, key })
    consola.success(`Created ${record.scope} key ${record.id} ("${record.name}"). It is shown only now:`)
    process.stdout.write(`${key}\n`)
  },
})

const list = defineLambdaCommand({
  meta: { name: 'list', description: 'List API keys: ids, labels and scopes (secrets are not stored)' },
  args: { ...agentStateArgs, ...jsonArgs },
  async run({ args, json }) {
    const { describeKeys } = await import('../../agent/auth/describe-keys')
    const keys = describeKeys(await withAgentState(args, state => state.keys.list()))
    if (json) return printJson(keys)
    if (keys.length === 0) return void consola.info('No API keys yet: the agent creates the first admin key when it first starts.')
    printTable([['ID', 'NAME', 'SCOPE', 'CREATED'], ...keys.map(k => [k.id, k.name, k.scope, k.createdAt])])
  },
})

const revoke = defineLambdaCommand({
  meta: { name: 'revoke', description: 'Revoke an API key by id (never the last admin key)' },
  args: { ...agentStateArgs, id: { type: 'positional', required: true, description: 'Key id (see `lambda agent keys list`)' }, ...jsonArgs },
  async run({ args, json }) {
    const { revokeApiKey } = await import('../../agent/auth/api-keys')
    const { describeKeys } = await import('../../agent/auth/describe-keys')
    const [revoked] = describeKeys([await withAgentState(args, state => revokeApiKey(state.keys, args.id))])
    // The admin API's answer to DELETE /_lambda/keys/<id>.
    if (json) return printJson({ id: revoked!.id, name: revoked!.name, scope: revoked!.scope, revoked: true })
    consola.success(`Revoked ${revoked!.scope} key ${revoked!.id} ("${revoked!.name}").`)
  },
})

export default defineCommand({
  meta: { name: 'keys', description: 'Manage the agent\'s API keys (run on the agent\'s machine)' },
  subCommands: { create, list, revoke },
})
