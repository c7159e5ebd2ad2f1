import { defineLambdaCommand } from '../define-command'
import { printUsage, resolveCommand } from '../resolve-command'

export default defineLambdaCommand({
  meta: { name: 'help', description: 'Show the help of a command: `lambda help deploy` is `lambda deploy --help`' },
  args: {
    command: { type: 'positional', required: false, multiple: true, description: 'A command, e.g. deploy or agent keys create (default: the list of commands)' },
  },
  async run({ values }) {
    // Loaded here: main.ts loads this command, and the help is of the whole tree.
    const { main } = await import('../main')
    // An unknown command is a usage error with "did you mean", as it is when run.
    await printUsage(main, await resolveCommand(main, values.command, false))
  },
})
