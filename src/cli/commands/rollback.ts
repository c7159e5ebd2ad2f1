import { consola } from 'consola'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'

export default defineLambdaCommand({
  meta: { name: 'rollback', description: 'Switch a function to a kept version (default: the previous one), or the project to a release' },
  args: {
    name: { type: 'positional', required: false, description: 'Function name (omit with --release)' },
    version: { type: 'positional', required: false, description: 'Version number (default: the one before the current)' },
    release: { type: 'string', description: 'Roll the whole project back to release <id> (default: the previous release)' },
    force: { type: 'boolean', default: false, description: 'With --release: roll back the other functions when some were deleted since (they stay deleted)' },
  },
  async run({ args, rawArgs }) {
    const client = agentClientFromSettings()
    // `--release` with no id: citty reads it as an empty string.
    if (args.release !== undefined || rawArgs.includes('--release')) {
      const id = args.release ? Number(args.release.replace(/^#/, '')) : undefined
      const { release, from, skipped } = await client.rollbackRelease(id, args.force)
      consola.success(`Project back at release #${release.rollbackOf} (recorded as release #${release.id}):`)
      for (const [name, version] of Object.entries(release.functions)) consola.log(`  ${name.padEnd(20)} ${from[name] === version ? `v${version} (unchanged)` : `v${from[name]} → v${version}`}`)
      for (const name of skipped) consola.log(`  ${name.padEnd(20)} skipped: deleted since, stays deleted`)
      return
    }
    if (args.force) throw new LambdaError({ code: 'BAD_ARGUMENTS', status: 400, message: '--force applies only to a release rollback.', hint: 'e.g. `lambda rollback --release 3 --force`.' })
    if (!args.name) throw new LambdaError({ code: 'BAD_ARGUMENTS', status: 400, message: 'Which function? Give its name, or --release for the whole project.', hint: 'e.g. `lambda rollback hello`, `lambda rollback hello 3` or `lambda rollback --release`.' })
    const version = args.version === undefined ? undefined : Number(String(args.version).replace(/^v/i, ''))
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new LambdaError({ code: 'BAD_ARGUMENTS', status: 400, message: `"${args.version}" is not a version number.`, hint: `See the versions with \`lambda versions ${args.name}\`.` })
    const result = await client.rollback(args.name, version)
    if (result.from === result.to) consola.info(`"${result.name}" already serves v${result.to}.`)
    else consola.success(`"${result.name}" now serves v${result.to} (was v${result.from}) in ${result.durationMs}ms: ${result.url}`)
  },
})
