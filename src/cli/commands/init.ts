import { relative } from 'node:path'
import { consola } from 'consola'
import { initProject } from '../../scaffold/init'
import { VENDOR_DIR } from '../../scaffold/vendor-toolkit'
import { defineLambdaCommand } from '../define-command'
import { forceArgs } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'init', description: 'Create a new functions project (with a GitHub Actions deploy workflow); in an existing project, add only the files it lacks' },
  args: {
    dir: { type: 'positional', required: false, default: '.', description: 'Project folder (default: current folder)' },
    ...forceArgs,
  },
  async run({ args }) {
    const result = await initProject({ dir: args.dir, force: args.force })
    for (const file of result.files) consola.log(`  created ${relative(process.cwd(), file)}`)
    for (const file of result.kept) consola.log(`  kept    ${relative(process.cwd(), file)} (exists; --force overwrites)`)
    if (result.existingProject) {
      consola.success(result.files.length > 0 ? `Added what the project in ${result.dir} lacked.` : `The project in ${result.dir} has every file already.`)
      return
    }
    const cd = relative(process.cwd(), result.dir)
    consola.success(`Project ready in ${result.dir}`)
    consola.log([
      '',
      'Next:',
      ...(cd ? [`  cd ${cd}`] : []),
      '  lambda dev       # serves http://hello.localhost:3000/',
      '',
      'Deploys from GitHub: .github/workflows/deploy.yml runs `lambda deploy` on every push to main once the',
      'repository has the secrets LAMBDA_HOST and LAMBDA_API_KEY (see docs/quick-start.md).',
      '',
      ...(result.toolkit
        ? [
            `package.json depends on the copy of Mini Lambda in ${VENDOR_DIR}/${result.toolkit}: commit it with the project.`,
            '`npm install` (and `npm install <any package>`) then works on any machine and in CI, with editor types',
            'and a project-local `npx lambda`. Once mini-lambda is on your registry: npm install -D mini-lambda',
          ]
        : []),
    ].join('\n'))
  },
})
