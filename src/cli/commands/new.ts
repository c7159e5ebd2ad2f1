import { relative, resolve } from 'node:path'
import { consola } from 'consola'
import { closestMatch } from '../../closest-match'
import { assertFunctionName } from '../../config/function-name'
import { loadLambdaOptions } from '../../config/load'
import { isProject } from '../../config/project-root'
import { createFunction, functionTemplates } from '../../scaffold/new-function'
import { defineLambdaCommand } from '../define-command'
import { asUsageError, usageError } from '../usage-error'
import { forceArgs, loadOptionsFromArgs, projectArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'new', description: 'Add a function to the project' },
  args: {
    name: { type: 'positional', required: true, description: 'Function name (a DNS label: a-z, 0-9, -)' },
    template: { type: 'string', alias: 't', valueHint: 'template', default: 'web', description: `Template: ${functionTemplates().join(', ')}`, completions: functionTemplates() },
    ...projectArgs,
    ...forceArgs,
  },
  async run({ args }) {
    asUsageError(() => assertFunctionName(args.name))
    const templates = functionTemplates()
    if (!templates.includes(args.template)) {
      const guess = closestMatch(args.template, templates)
      throw usageError({ code: 'UNKNOWN_TEMPLATE', message: `There is no function template "${args.template}".${guess ? ` Did you mean ${guess}?` : ''}`, hint: `Use --template with one of: ${templates.join(', ')}.` })
    }
    const load = await loadOptionsFromArgs(args)
    // Without a config functions go to the default folder: a project without a config is one still.
    const functionsDir = load.project.hasConfig || load.configFile ? (await loadLambdaOptions(load)).functionsDir ?? resolve(load.cwd, 'functions') : resolve(load.cwd, 'functions')
    const outsideProject = !load.configFile && !isProject(load.project)
    const files = await createFunction({ name: args.name, template: args.template, functionsDir, force: args.force })
    for (const file of files) consola.log(`  created ${relative(process.cwd(), file)}`)
    consola.success(`Function "${args.name}" created from the ${args.template} template.`)
    if (outsideProject) {
      const { root, searchedAbove } = load.project
      consola.warn([
        `No lambda.config.* in ${root}${searchedAbove ? ' or any folder above it' : ''}: ${relative(process.cwd(), functionsDir) || functionsDir}/ is new here, a project without a config.`,
        `Not where your project is? Remove it and run \`lambda new ${args.name}\` in your project (or with --cwd <project>).`,
        `To make this folder a whole project (config, package.json, deploy workflow): \`lambda init${searchedAbove ? '' : ` ${root}`}\`.`,
      ].join('\n'))
    }
  },
})
