import { relative } from 'node:path'
import { consola } from 'consola'
import { initProject, miniLambdaSpec } from '../../scaffold/init'
import { defineLambdaCommand } from '../define-command'
import { forceArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'init', description: 'Create a new functions project' },
  args: {
    dir: { type: 'positional', required: false, default: '.', description: 'Project folder (default: current folder)' },
    ...forceArgs,
  },
  async run({ args }) {
    const result = await initProject({ dir: args.dir, force: args.force })
    for (const file of result.files) consola.log(`  created ${relative(process.cwd(), file)}`)
    const cd = relative(process.cwd(), result.dir)
    consola.success(`Project ready in ${result.dir}`)
    consola.log([
      '',
      'Next:',
      ...(cd ? [`  cd ${cd}`] : []),
      '  lambda dev       # serves http://hello.localhost:3000/',
      '',
      `Optional, for editor types and a project-local \`npx lambda\`: package.json asks for mini-lambda ${miniLambdaSpec()};`,
      'make a tarball with `npm pack` in your Mini Lambda clone and install it here: npm install -D ./mini-lambda-<version>.tgz',
    ].join('\n'))
  },
})
