import { defineCommand } from 'citty'
import { consola } from 'consola'
import { assertSecretName, assertSecretValue } from '../../agent/secrets/secret-input'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { readSecretValue } from '../read-secret-value'
import { asUsageError } from '../usage-error'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'
import { printTable } from './_table'

const nameArg = { name: { type: 'positional', required: true, description: 'Secret name (a-z, 0-9, -, _, .; at most 64 characters)' } } as const

const recycledNote = (recycled: string[]) => recycled.length > 0 ? ` New instances of ${recycled.join(', ')} start with it.` : ''

export default defineCommand({
  meta: { name: 'secrets', description: 'Secrets kept (encrypted) on the agent, for env: { X: secret(\'name\') }' },
  subCommands: {
    set: defineLambdaCommand({
      meta: { name: 'set', description: 'Create or replace a secret; the value comes from stdin, or a prompt that does not echo' },
      args: { ...nameArg, ...agentArgs, ...jsonArgs },
      async run({ args, json }) {
        asUsageError(() => assertSecretName(args.name))
        const client = agentClientFromArgs(args)
        const value = await readSecretValue(args.name)
        assertSecretValue(args.name, value)
        const result = await client.setSecret(args.name, value)
        if (json) return printJson(result)
        consola.success(`${result.created ? 'Created' : 'Updated'} secret "${result.name}" on ${client.connection.host}.${recycledNote(result.recycled)}`)
      },
    }),
    list: defineLambdaCommand({
      meta: { name: 'list', description: 'List secret names, when they changed and which functions use them (never values)' },
      args: { ...agentArgs, ...jsonArgs },
      async run({ args, json }) {
        const overview = await agentClientFromArgs(args).listSecrets()
        if (json) return printJson(overview)
        if (overview.secrets.length === 0) consola.info('No secrets set. Add one with `lambda secrets set <name>`.')
        else printTable([['NAME', 'USED BY', 'CREATED', 'UPDATED'], ...overview.secrets.map(s => [s.name, s.usedBy.join(', ') || '-', s.createdAt, s.updatedAt])])
        for (const { name, usedBy } of overview.missing) consola.warn(`Secret "${name}" is used by ${usedBy.join(', ')} but not set: set it with \`lambda secrets set ${name}\`.`)
      },
    }),
    rm: defineLambdaCommand({
      meta: { name: 'rm', description: 'Remove a secret (refused while a deployed function uses it, unless --yes)' },
      args: { ...nameArg, yes: { type: 'boolean', alias: 'y', description: 'Remove it even if deployed functions use it', default: false }, ...agentArgs, ...jsonArgs },
      async run({ args, json }) {
        asUsageError(() => assertSecretName(args.name))
        const client = agentClientFromArgs(args)
        const result = await client.removeSecret(args.name, args.yes)
        if (json) return printJson(result)
        consola.success(`Removed secret "${result.name}".${result.usedBy.length > 0 ? ` ${result.usedBy.join(', ')} now start${result.usedBy.length === 1 ? 's' : ''} without it.` : ''}`)
      },
    }),
  },
})
