import { resolve } from 'node:path'
import { consola } from 'consola'
import { colors } from 'consola/utils'
import { loadLambdaOptions } from '../../config/load'
import { CONFIG_DEFAULTS } from '../../config/defaults'
import type { LambdaOptions } from '../../config/types'
import { deployFunctions } from '../../deploy/deploy-project'
import type { FunctionDeployOutcome } from '../../deploy/deploy-project'
import { resolveSingleFunction } from '../../deploy/single-function'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { agentClientFromSettings } from './_agent-client'
import { loadOptionsFromArgs, projectArgs } from './_shared'

function printOutcome(outcome: FunctionDeployOutcome) {
  const label = { built: colors.green('built'), unchanged: colors.dim('unchanged'), failed: colors.red('failed') }[outcome.status]
  const version = outcome.version ? `v${outcome.version}` : '-'
  consola.log(`${outcome.name.padEnd(20)} ${label.padEnd(20)} ${version.padEnd(6)} ${outcome.url ?? ''} ${colors.dim(`${outcome.durationMs}ms`)}`)
  if (outcome.error) {
    consola.log(colors.red(`  ${outcome.error.message.split('\n').join('\n  ')}`))
    if (outcome.error.hint) consola.log(colors.dim(`  ${outcome.error.hint}`))
  }
}

export default defineLambdaCommand({
  meta: { name: 'deploy', description: 'Deploy the project (or one function folder) to the agent' },
  args: {
    path: { type: 'positional', required: false, description: 'Deploy only this function folder (with --name)' },
    name: { type: 'string', description: 'Function name for a folder deploy (default: the folder name)' },
    only: { type: 'string', description: 'Comma-separated function names to deploy (default: all)' },
    ...projectArgs,
  },
  async run({ args }) {
    const client = agentClientFromSettings()
    let options: LambdaOptions
    let functions
    if (args.path) {
      const fn = resolveSingleFunction(args.path, args.name)
      const rootDir = resolve(args.cwd ?? '.')
      options = { rootDir, functions: [fn], dev: CONFIG_DEFAULTS.dev, build: { outDir: resolve(rootDir, CONFIG_DEFAULTS.build.outDir), minify: false, external: [] }, deploy: CONFIG_DEFAULTS.deploy }
      functions = [fn]
    }
    else {
      options = await loadLambdaOptions(loadOptionsFromArgs(args))
      const only = args.only?.split(',').map(s => s.trim()).filter(Boolean)
      const unknown = only?.filter(n => !options.functions.some(f => f.name === n)) ?? []
      if (unknown.length > 0) throw new LambdaError({ code: 'FUNCTION_NOT_FOUND', status: 404, message: `Unknown function(s): ${unknown.join(', ')}.`, hint: `Known: ${options.functions.map(f => f.name).join(', ')}.` })
      functions = only ? options.functions.filter(f => only.includes(f.name)) : options.functions
    }
    if (functions.length === 0) throw new LambdaError({ code: 'NOTHING_TO_DEPLOY', status: 400, message: 'There are no functions to deploy.', hint: 'Create one with `lambda new hello`.' })

    const started = performance.now()
    consola.start(`Deploying ${functions.length} function(s) to ${client.connection.host}`)
    const outcomes = await deployFunctions(options, functions, client, printOutcome)
    const count = (status: FunctionDeployOutcome['status']) => outcomes.filter(o => o.status === status).length
    // A whole-project deploy is a release: the function → version set it made current.
    if (!args.path && !args.only && outcomes.some(o => o.status !== 'failed')) {
      const release = await client.recordRelease(functions.map(f => f.name), count('failed') > 0, options.deploy.keepVersions)
      consola.info(`Release #${release.id}${release.partial ? ' (partial)' : ''}: ${Object.entries(release.functions).map(([n, v]) => `${n}@v${v}`).join(' ')}`)
    }
    const summary = `${count('built')} built, ${count('unchanged')} unchanged, ${count('failed')} failed in ${Math.round(performance.now() - started)}ms`
    if (count('failed') > 0) throw new LambdaError({ code: 'DEPLOY_FAILED', message: `Deploy incomplete: ${summary}.`, hint: 'Fix the errors above and deploy again; functions that failed keep serving their previous version.' })
    consola.success(summary)
  },
})
