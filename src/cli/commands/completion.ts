import { defineLambdaCommand } from '../define-command'
import { usageError } from '../usage-error'

const SHELLS = ['bash', 'zsh', 'fish'] as const

export default defineLambdaCommand({
  meta: { name: 'completion', description: 'Print a shell completion script (bash, zsh or fish), made from the CLI\'s own commands: source <(lambda completion bash)' },
  args: {
    shell: { type: 'positional', required: true, description: `The shell: ${SHELLS.join(', ')}`, completions: SHELLS },
  },
  async run({ args }) {
    const shell = args.shell as typeof SHELLS[number]
    if (!SHELLS.includes(shell)) {
      throw usageError({ code: 'UNKNOWN_SHELL', message: `There is no completion for "${args.shell}": the shells are ${SHELLS.join(', ')}.`, hint: 'e.g. `source <(lambda completion bash)` in ~/.bashrc, `source <(lambda completion zsh)` in ~/.zshrc, `lambda completion fish > ~/.config/fish/completions/lambda.fish`.' })
    }
    const { completionScript } = await import('../completion/completion-script')
    const { main } = await import('../main')
    process.stdout.write(await completionScript(main, shell))
  },
})
