import type { KeyScope } from '../../agent/auth/key-scopes'
import type { ApiKeyRecord } from '../../store/records'
import type { ValueType } from '../args/value-types'
import { defineCommand } from 'citty'
import { consola } from 'consola'
import { keyNameProblem } from '../../agent/auth/key-names'
import { DEFAULT_KEY_SCOPE, KEY_SCOPES } from '../../agent/auth/key-scopes'
import { ANY_SECRET } from '../../agent/auth/secret-grants'
import { secretNameProblem } from '../../config/secret'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { usageError } from '../usage-error'
import { agentStateArgs, dataDirOf, hasAgentState, otherDataDirHint, requireAgentState, stateLocation, withAgentState } from './_agent-state'
import { jsonArgs } from './_shared'
import { printTable } from './_table'

/** A secret name, or `*` for every secret. */
const grantedSecret: ValueType<string> = { expected: `a secret name (a-z, 0-9, -, _, .) or "${ANY_SECRET}" for every secret`, example: 'db-pass', parse: raw => raw === ANY_SECRET || !secretNameProblem(raw) ? raw : undefined }

const idArg = { id: { type: 'positional', required: true, description: 'Key id (see `lambda agent keys list`)' } } as const
const secretsArg = { secrets: { type: 'positional', required: true, multiple: true, value: grantedSecret, description: `Secret names, or "${ANY_SECRET}" for every secret (present and future)` } } as const

/** What a key may do about secrets, in words that fit its scope: only a deploy key's grants say anything. */
function describeAbilities(record: ApiKeyRecord): string {
  if (record.scope === 'admin' || record.scope === undefined) return 'may do everything, and give every secret to the functions it deploys'
  if (record.scope === 'invoke') return 'may call functions; it cannot deploy, so it gives no secret to any'
  if (record.scope !== 'deploy') return `has the unknown scope ${JSON.stringify(record.scope)}, which allows nothing`
  return `may give ${record.secrets?.length ? record.secrets.join(', ') : 'no secret'} to the functions it deploys`
}

const create = defineLambdaCommand({
  meta: { name: 'create', description: 'Create an API key and print it once' },
  args: {
    ...agentStateArgs,
    name: { type: 'string', description: 'A label for the key: 1-64 letters, digits, ".", "_", "-" (default: the scope)', valueHint: 'name' },
    scope: { type: 'enum', options: [...KEY_SCOPES], description: `What the key may do: ${KEY_SCOPES.join(' > ')}, each including the next (default: ${DEFAULT_KEY_SCOPE})`, valueHint: 'scope' },
    secret: { type: 'string', multiple: true, value: grantedSecret, description: `A secret a deploy key may give to the functions it deploys (repeatable; "${ANY_SECRET}": every secret; default: none)`, valueHint: 'name' },
    rate: { type: 'string', description: 'Requests a second the key may make on this agent (admin API and `auth: key` functions), with an optional burst: 5 or 5/10 (default: no limit)', valueHint: 'perSecond[/burst]' },
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    const { createApiKey } = await import('../../agent/auth/api-keys')
    const { parseKeyRate, setKeyRateLimit } = await import('../../agent/auth/key-rate-limit')
    const rate = args.rate === undefined ? false : parseKeyRate(args.rate)
    const { describeName } = await import('../../agent/auth/describe-name')
    const scope = (args.scope ?? DEFAULT_KEY_SCOPE) as KeyScope
    const nameProblem = args.name === undefined ? undefined : keyNameProblem(args.name)
    if (nameProblem) throw usageError({ code: 'INVALID_KEY_NAME', message: `Key name ${describeName(args.name)} ${nameProblem.problem}.`, hint: nameProblem.hint })
    // Only a deploy key's grants mean anything: an invoke key deploys nothing, an admin key may give every secret.
    if (values.secret.length > 0 && scope !== 'deploy') {
      throw usageError({
        code: 'CONFLICTING_ARGUMENTS',
        message: `--secret is for deploy keys: ${scope === 'invoke' ? 'an invoke key cannot deploy, so it gives no secret to any function' : 'an admin key may give every secret already'}.`,
        hint: `Drop --secret, or create a deploy key: \`lambda agent keys create --scope deploy ${values.secret.map(s => `--secret ${s}`).join(' ')}\`.`,
      })
    }
    const { key, record } = await withAgentState(args, async (state) => {
      const created = await createApiKey(state.keys, args.name ?? scope, scope, values.secret)
      return rate ? { ...created, record: await setKeyRateLimit(state.keys, created.record.id, rate) } : created
    })
    if (json) return printJson({ id: record.id, name: record.name, scope: record.scope, secrets: record.secrets, rateLimit: record.rateLimit ?? false, createdAt: record.createdAt, key })
    consola.success(`Created ${record.scope} key ${record.id} ("${record.name}") in ${stateLocation(args)}: it ${describeAbilities(record)}. It is shown only now:`)
    process.stdout.write(`${key}\n`)
  },
})

const list = defineLambdaCommand({
  meta: { name: 'list', description: 'List API keys: ids, labels, scopes and the secrets each may give (secrets are not stored)' },
  args: { ...agentStateArgs, ...jsonArgs },
  async run({ args, json }) {
    const { describeKeys } = await import('../../agent/auth/describe-keys')
    // A data dir no agent has used holds no keys; opening it would write a store there, so it is left alone.
    if (!hasAgentState(args)) {
      consola.warn(`No agent state in ${dataDirOf(args)}: no agent has run with this data dir, so it has no API keys.\n${otherDataDirHint(args, 'lambda agent keys list')}`)
      return json ? printJson([]) : undefined
    }
    const keys = describeKeys(await withAgentState(args, state => state.keys.list()))
    if (json) return printJson(keys)
    if (keys.length === 0) return void consola.warn(`No API keys in ${stateLocation(args)} yet: the agent creates the first admin key when it first starts with it.\n${otherDataDirHint(args, 'lambda agent keys list')}`)
    process.stderr.write(`API keys in ${stateLocation(args)}:\n`)
    printTable([['ID', 'NAME', 'SCOPE', 'SECRETS', 'CREATED'], ...keys.map(k => [k.id, k.name, k.scope, k.secrets.join(',') || '-', k.createdAt])])
  },
})

/** Adds or takes away secrets from a key's grants, in the agent's state (the running agent sees it at the key's next use). */
function changeGrants(verb: 'grant' | 'ungrant') {
  return defineLambdaCommand({
    meta: {
      name: verb,
      description: verb === 'grant'
        ? 'Let a deploy key give these secrets to the functions it deploys (code that receives a secret can read it)'
        : 'Take secrets back from a deploy key: its next deploys may no longer give them (running versions keep theirs)',
    },
    args: { ...agentStateArgs, ...idArg, ...secretsArg, ...jsonArgs },
    async run({ args, values, json }) {
      const { setSecretGrants } = await import('../../agent/auth/api-keys')
      requireAgentState(args, `lambda agent keys ${verb}`)
      const record = await withAgentState(args, async (state) => {
        const found = await state.keys.get(args.id)
        if (verb === 'grant' && found?.scope === 'invoke') {
          throw new LambdaError({ code: 'KEY_SCOPE', status: 400, message: `Key ${found.id} ("${found.name}") is an invoke key: it cannot deploy, so it gives no secret to any function.`, hint: `Grants are for deploy keys: \`lambda agent keys create --scope deploy --secret ${values.secrets[0]}\`, then use that key to deploy.` })
        }
        const current = found?.secrets ?? []
        const next = verb === 'grant' ? [...current, ...values.secrets] : values.secrets.includes(ANY_SECRET) ? [] : current.filter(s => !values.secrets.includes(s))
        return setSecretGrants(state.keys, args.id, next)
      })
      if (json) return printJson({ id: record.id, name: record.name, scope: record.scope, secrets: record.secrets })
      consola.success(`Key ${record.id} ("${record.name}") ${describeAbilities(record).replace(/^may give/, 'may now give')}.`)
      if (record.scope === 'admin') consola.info('It is an admin key: grants change nothing for it.')
    },
  })
}

const rate = defineLambdaCommand({
  meta: { name: 'rate', description: 'Set or remove the rate limit of a key: requests a second on this agent, with an optional burst (5, 5/10, off)' },
  args: { ...agentStateArgs, ...idArg, rate: { type: 'positional', required: true, description: 'perSecond[/burst], e.g. 5 or 5/10; off for no limit' }, ...jsonArgs },
  async run({ args, json }) {
    const { parseKeyRate, setKeyRateLimit } = await import('../../agent/auth/key-rate-limit')
    const limit = parseKeyRate(args.rate)
    requireAgentState(args, 'lambda agent keys rate')
    const record = await withAgentState(args, state => setKeyRateLimit(state.keys, args.id, limit))
    if (json) return printJson({ id: record.id, name: record.name, scope: record.scope, rateLimit: record.rateLimit ?? false })
    consola.success(record.rateLimit
      ? `Key ${record.id} ("${record.name}") may now make ${record.rateLimit.perSecond} requests a second (bursts of ${record.rateLimit.burst}) on this agent; more get 429.`
      : `Key ${record.id} ("${record.name}") has no rate limit any more.`)
  },
})

const revoke = defineLambdaCommand({
  meta: { name: 'revoke', description: 'Revoke an API key by id (never the last admin key)' },
  args: { ...agentStateArgs, ...idArg, ...jsonArgs },
  async run({ args, json }) {
    const { revokeApiKey } = await import('../../agent/auth/api-keys')
    requireAgentState(args, 'lambda agent keys revoke')
    const { describeKeys } = await import('../../agent/auth/describe-keys')
    const [revoked] = describeKeys([await withAgentState(args, state => revokeApiKey(state.keys, args.id))])
    // The admin API's answer to DELETE /_lambda/keys/<id>.
    if (json) return printJson({ id: revoked!.id, name: revoked!.name, scope: revoked!.scope, revoked: true })
    consola.success(`Revoked ${revoked!.scope} key ${revoked!.id} ("${revoked!.name}").`)
  },
})

export default defineCommand({
  meta: { name: 'keys', description: 'Manage the agent\'s API keys (run on the agent\'s machine)' },
  subCommands: { create, list, grant: changeGrants('grant'), ungrant: changeGrants('ungrant'), rate, revoke },
})
