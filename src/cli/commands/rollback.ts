import { consola } from 'consola'
import { releaseRef, versionNumber } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { usageError } from '../usage-error'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'rollback', description: 'Switch a function to a kept version (default: the previous one), or the project to a release' },
  args: {
    name: { type: 'positional', required: false, description: 'Function name (omit with --release)', completeWith: 'functions' },
    version: { type: 'positional', required: false, value: versionNumber, description: 'Version number (default: the one before the current)' },
    release: { type: 'string', value: releaseRef, description: 'Roll the whole project back to release <id> (default: the previous release)', valueHint: 'id' },
    force: { type: 'boolean', default: false, description: 'With --release: roll back the other functions when some were deleted since (they stay deleted)' },
    ...agentArgs,
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    if (values.release !== undefined) {
      // A name with --release could mean either thing; guessing wrong would switch the whole project.
      if (args.name) {
        const release = values.release === 'previous' ? '' : ` ${values.release}`
        throw usageError({
          code: 'AMBIGUOUS_ARGUMENTS',
          message: `\`lambda rollback ${args.name} --release${release}\` is ambiguous: roll back "${args.name}" alone, or the whole project to a release?`,
          hint: `One function: \`lambda rollback ${args.name}${args.version ? ` ${args.version}` : ''}\`. The whole project: \`lambda rollback --release${release}\`.`,
        })
      }
      const { release, from, skipped } = await agentClientFromArgs(args).rollbackRelease(values.release === 'previous' ? undefined : values.release, args.force)
      if (json) return printJson({ kind: 'release', release, from, skipped })
      consola.success(`Project back at release #${release.rollbackOf} (recorded as release #${release.id}):`)
      for (const [name, version] of Object.entries(release.functions)) consola.log(`  ${name.padEnd(20)} ${from[name] === version ? `v${version} (unchanged)` : `v${from[name]} → v${version}`}`)
      for (const name of skipped) consola.log(`  ${name.padEnd(20)} skipped: deleted since, stays deleted`)
      return
    }
    if (args.force) throw usageError({ code: 'BAD_ARGUMENTS', message: '--force applies only to a release rollback.', hint: 'e.g. `lambda rollback --release 3 --force`.' })
    if (!args.name) throw usageError({ code: 'MISSING_ARGUMENT', message: 'Which function? Give its name, or --release for the whole project.', hint: 'e.g. `lambda rollback hello`, `lambda rollback hello 3` or `lambda rollback --release`.' })
    const result = await agentClientFromArgs(args).rollback(args.name, values.version)
    if (json) return printJson({ kind: 'function', ...result })
    if (result.from === result.to) consola.info(`"${result.name}" already serves v${result.to}.`)
    else consola.success(`"${result.name}" now serves v${result.to} (was v${result.from}) in ${result.durationMs}ms: ${result.url}`)
  },
})
