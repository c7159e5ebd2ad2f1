import { relative } from 'node:path'
import { consola } from 'consola'
import { buildFunctions } from '../../build/build'
import { closestMatch } from '../../closest-match'
import { loadLambdaOptions } from '../../config/load'
import { LambdaError } from '../../errors'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { usageError } from '../usage-error'
import { jsonArgs, loadOptionsFromArgs, projectArgs, requireProject } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'build', description: 'Bundle functions into .lambda/build/<name>/' },
  args: {
    ...projectArgs,
    name: { type: 'positional', required: false, multiple: true, description: 'Only these functions (default: all)', completeWith: 'functions' },
    ...jsonArgs,
  },
  async run({ args, values, json }) {
    const load = await loadOptionsFromArgs(args)
    requireProject(load)
    const options = await loadLambdaOptions(load)
    const known = options.functions.map(fn => fn.name)
    for (const name of values.name) {
      if (known.includes(name)) continue
      const guess = closestMatch(name, known)
      throw usageError({ code: 'FUNCTION_NOT_FOUND', message: `"${name}" is not a function of this project.${guess ? ` Did you mean ${guess}?` : ''}`, hint: `Its functions: ${known.join(', ') || '(none)'}. Run \`lambda build\` without names to build all.` })
    }
    const outcomes = await buildFunctions(options, values.name.length > 0 ? values.name : undefined)
    const result = {
      functions: outcomes.map(({ fn, artifact, error }) => artifact
        ? { name: fn.name, kind: artifact.kind, hash: artifact.hash, size: artifact.size, path: artifact.kind === 'node' ? artifact.bundlePath! : artifact.dir }
        : { name: fn.name, kind: fn.kind, error: LambdaError.is(error) ? { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } : { code: 'BUILD_FAILED', message: (error as Error).message } }),
    }
    for (const { fn, artifact, error } of outcomes) {
      if (artifact) consola.success(`${fn.name.padEnd(16)} ${(artifact.size / 1024).toFixed(1).padStart(8)} kB  ${artifact.hash.slice(0, 12)}  ${relative(process.cwd(), artifact.kind === 'node' ? artifact.bundlePath! : artifact.dir)}`)
      else consola.error(`${fn.name}: ${(error as Error).message}`)
    }
    const failed = outcomes.filter(o => o.error)
    if (failed.length > 0) throw new LambdaError({ code: 'BUILD_FAILED', message: `${failed.length} of ${outcomes.length} function(s) failed to build.`, hint: 'Fix the errors above and run `lambda build` again.', data: { build: result } })
    if (json) return printJson(result)
    if (outcomes.length === 0) consola.warn('No functions to build. Create one with `lambda new hello`.')
  },
})
