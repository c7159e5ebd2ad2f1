import { relative } from 'node:path'
import { consola } from 'consola'
import { buildFunctions } from '../../build/build'
import { loadLambdaOptions } from '../../config/load'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { loadOptionsFromArgs, projectArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'build', description: 'Bundle functions into .lambda/build/<name>/' },
  args: {
    ...projectArgs,
    name: { type: 'positional', required: false, description: 'Only these functions (default: all)' },
  },
  async run({ args }) {
    const options = await loadLambdaOptions(loadOptionsFromArgs(args))
    const names = args._.length > 0 ? args._ : undefined
    const unknown = names?.filter(n => !options.functions.some(fn => fn.name === n)) ?? []
    if (unknown.length > 0) {
      throw new LambdaError({ code: 'FUNCTION_NOT_FOUND', status: 404, message: `Unknown function(s): ${unknown.join(', ')}. Known: ${options.functions.map(f => f.name).join(', ') || '(none)'}.`, hint: 'Check the names, or run `lambda build` without names to build all.' })
    }
    const outcomes = await buildFunctions(options, names)
    for (const { fn, artifact, error } of outcomes) {
      if (artifact) consola.success(`${fn.name.padEnd(16)} ${(artifact.size / 1024).toFixed(1).padStart(8)} kB  ${artifact.hash.slice(0, 12)}  ${relative(process.cwd(), artifact.kind === 'node' ? artifact.bundlePath! : artifact.dir)}`)
      else consola.error(`${fn.name}: ${(error as Error).message}`)
    }
    const failed = outcomes.filter(o => o.error)
    if (failed.length > 0) throw new LambdaError({ code: 'BUILD_FAILED', message: `${failed.length} of ${outcomes.length} function(s) failed to build.`, hint: 'Fix the errors above and run `lambda build` again.' })
    if (outcomes.length === 0) consola.warn('No functions to build. Create one with `lambda new hello`.')
  },
})
