import { relative } from 'node:path'
import { consola } from 'consola'
import { initProject } from '../../scaffold/init'
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
    consola.log(`\nNext:\n${cd ? `  cd ${cd}\n` : ''}  npm install      # optional: editor types and a local \`lambda\` binary\n  lambda dev       # serves http://hello.localhost:3000/`)
  },
})
