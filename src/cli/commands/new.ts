import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { consola } from 'consola'
import { closestMatch } from '../../closest-match'
import { assertFunctionName } from '../../config/function-name'
import { loadLambdaOptions } from '../../config/load'
import { CONFIG_FILE_NAMES } from '../../config/project-root'
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
    // Without a config (or with a broken one) functions go to the default folder.
    const hasConfig = CONFIG_FILE_NAMES.some(name => existsSync(resolve(load.cwd!, name)))
    const functionsDir = hasConfig ? (await loadLambdaOptions(load)).functionsDir ?? resolve(load.cwd!, 'functions') : resolve(load.cwd!, 'functions')
    const files = await createFunction({ name: args.name, template: args.template, functionsDir, force: args.force })
    for (const file of files) consola.log(`  created ${relative(process.cwd(), file)}`)
    consola.success(`Function "${args.name}" created from the ${args.template} template.`)
  },
})
