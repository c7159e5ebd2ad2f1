import type { LambdaArgsDef } from './lambda-args'

/**
 * Flags every command takes, anywhere before `--` (`lambda --verbose deploy` or `lambda deploy --verbose`).
 * run-cli.ts takes them out (output/verbose.ts) of the command line before the command sees it; they are declared on `lambda`
 * itself so that its help and the CLI reference list them.
 */
export const globalArgs = {
  verbose: { type: 'boolean', default: false, description: 'Debug output on stderr (every HTTP request to the agent, with its status and time; never a key) and, when the command fails, the error\'s stack and causes' },
} satisfies LambdaArgsDef
