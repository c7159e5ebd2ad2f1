import type { LambdaOptions, ResolvedFunction } from '../../config/types'
import type { FunctionDeployOutcome } from '../../deploy/deploy-project'
import { resolve } from 'node:path'
import { consola } from 'consola'
import { closestMatch } from '../../closest-match'
import { CONFIG_DEFAULTS } from '../../config/defaults'
import { loadLambdaOptions } from '../../config/load'
import { deployFunctions, releaseVersions } from '../../deploy/deploy-project'
import { resolveSingleFunction } from '../../deploy/single-function'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { createDeployView } from '../deploy-view'
import { printJson } from '../output/json-output'
import { progressNotes } from '../output/notes'
import { createProgress, duration } from '../output/progress'
import { usageError } from '../usage-error'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs, loadOptionsFromArgs, projectArgs, requireProject } from './_shared'

/** `--only a,b`: every name must be a function of the project (a typo must not deploy nothing, or everything). */
function selectFunctions(options: LambdaOptions, only: string | undefined): ResolvedFunction[] {
  if (only === undefined) return options.functions
  const names = only.split(',').map(s => s.trim()).filter(Boolean)
  const known = options.functions.map(f => f.name)
  for (const name of names) {
    if (known.includes(name)) continue
    const guess = closestMatch(name, known)
    throw usageError({ code: 'FUNCTION_NOT_FOUND', message: `--only names "${name}", which is not a function of this project.${guess ? ` Did you mean ${guess}?` : ''}`, hint: `Its functions: ${known.join(', ') || '(none)'}.` })
  }
  if (names.length === 0) throw usageError({ code: 'INVALID_VALUE', message: '--only names no function.', hint: `e.g. --only ${known[0] ?? 'hello'}` })
  return options.functions.filter(f => names.includes(f.name))
}

const errorJson = (error: LambdaError | undefined) => error ? { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } : undefined

export default defineLambdaCommand({
  meta: { name: 'deploy', description: 'Deploy the project (or one function folder) to the agent' },
  args: {
    'path': { type: 'positional', required: false, description: 'Deploy only this function folder (with --name)', valueHint: 'dir' },
    'name': { type: 'string', description: 'Function name for a folder deploy (default: the folder name)', valueHint: 'name' },
    'only': { type: 'string', description: 'Comma-separated function names to deploy (default: all)', valueHint: 'names', completeWith: 'functions' },
    'dry-run': { type: 'boolean', description: 'Build and compare with the agent: show what would be built, unchanged or removed; change nothing', default: false },
    ...projectArgs,
    ...agentArgs,
    ...jsonArgs,
  },
  async run({ args, json }) {
    if (args.path && args.only !== undefined) throw usageError({ code: 'CONFLICTING_ARGUMENTS', message: '--only picks functions of the project; a folder deploy has one.', hint: `Run \`lambda deploy ${args.path}\` or \`lambda deploy --only ${args.only}\`.` })
    if (!args.path && args.name !== undefined) throw usageError({ code: 'CONFLICTING_ARGUMENTS', message: '--name names the function of a folder deploy, and no folder was given.', hint: `e.g. \`lambda deploy functions/${args.name} --name ${args.name}\`; project functions take their names from the config.` })
    const client = agentClientFromArgs(args)
    let options: LambdaOptions
    let functions: ResolvedFunction[]
    if (args.path) {
      const fn = resolveSingleFunction(args.path, args.name)
      const rootDir = resolve(args.cwd ?? '.')
      options = { rootDir, functions: [fn], dev: CONFIG_DEFAULTS.dev, build: { outDir: resolve(rootDir, CONFIG_DEFAULTS.build.outDir), minify: false, external: [] }, deploy: CONFIG_DEFAULTS.deploy }
      functions = [fn]
    }
    else {
      const load = await loadOptionsFromArgs(args)
      requireProject(load)
      options = await loadLambdaOptions(load)
      functions = selectFunctions(options, args.only)
    }
    if (functions.length === 0) throw new LambdaError({ code: 'NOTHING_TO_DEPLOY', status: 400, message: 'There are no functions to deploy.', hint: 'Create one with `lambda new hello`.' })

    const dryRun = args['dry-run']
    const wholeProject = !args.path && args.only === undefined
    const started = performance.now()
    const notes = progressNotes()
    notes.info(`${dryRun ? 'Dry run: comparing' : 'Deploying'} ${functions.length} function(s) ${dryRun ? 'with' : 'to'} ${client.connection.host}`)
    const progress = createProgress(json ? process.stderr : process.stdout)
    const view = createDeployView(progress, functions.map(f => f.name))
    // Ctrl-C closes the connections: the agent cancels what has not gone live; say so, not nothing.
    const interrupted = () => {
      progress.close()
      process.stderr.write(`\nInterrupted: nothing more is uploaded, and ${client.connection.host} cancels each build that had not gone live when its connection closed (the serving version stays). A function that had already switched stays live: see \`lambda list\`.\n`)
      process.exit(130)
    }
    process.once('SIGINT', interrupted)
    let report
    try {
      report = await deployFunctions(options, functions, client, { dryRun, onEvent: view.onEvent, onOutcome: view.onOutcome })
    }
    finally {
      process.off('SIGINT', interrupted)
      progress.close()
    }
    const { outcomes, before } = report
    const count = (status: FunctionDeployOutcome['status']) => outcomes.filter(o => o.status === status).length
    // A whole-project deploy is a release: the function → version set it made current, from its own
    // outcomes (a function that failed keeps what it served before).
    const release = wholeProject && !dryRun && outcomes.some(o => o.status !== 'failed')
      ? await client.recordRelease({ functions: releaseVersions(outcomes, before), partial: count('failed') > 0, keepVersions: options.deploy.keepVersions })
      : undefined
    if (release) consola.info(`Release #${release.id}${release.partial ? ' (partial)' : ''}: ${Object.entries(release.functions).map(([n, v]) => `${n}@v${v}`).join(' ')}`)
    const notInProject = wholeProject ? before.map(f => f.name).filter(name => !functions.some(f => f.name === name)) : []
    if (notInProject.length > 0) notes.info(`On the agent but not in this project (a deploy leaves them alone; \`lambda delete\` removes one): ${notInProject.join(', ')}`)

    const summary = dryRun
      ? `Dry run: ${count('would-build')} would be built, ${count('unchanged')} unchanged, ${count('failed')} failed; nothing changed on ${client.connection.host}`
      : `${count('built')} built, ${count('unchanged')} unchanged, ${count('failed')} failed in ${duration(performance.now() - started)}`
    const result = {
      host: client.connection.host,
      dryRun,
      functions: outcomes.map(o => ({
        name: o.name,
        status: o.status,
        version: o.version ?? null,
        url: o.url ?? null,
        hash: o.hash ?? null,
        durationMs: o.durationMs,
        phases: o.phases,
        ...(o.uploadBytes === undefined ? {} : { uploadBytes: o.uploadBytes }),
        ...(dryRun ? { wouldRemove: o.wouldRemove ?? [] } : {}),
        ...(o.error ? { error: errorJson(o.error) } : {}),
      })),
      release: release ? { id: release.id, partial: release.partial, functions: release.functions } : null,
      notInProject,
      summary: { built: count('built'), unchanged: count('unchanged'), failed: count('failed'), wouldBuild: count('would-build') },
      durationMs: Math.round(performance.now() - started),
    }
    if (count('failed') > 0) {
      throw new LambdaError({ code: 'DEPLOY_FAILED', message: `Deploy incomplete: ${summary}.`, hint: dryRun ? 'Fix the errors above and try again.' : 'Fix the errors above and deploy again; functions that failed keep serving their previous version.', data: { deploy: result } })
    }
    if (json) return printJson(result)
    consola.success(summary)
  },
})
