import type { ArgsDef, CommandDef } from 'citty'
import { defineCommand } from 'citty'
import { printError } from './print-error'

/**
 * A citty command whose failures print as message + hint and exit non-zero;
 * everything below `run` throws LambdaErrors and never exits by itself.
 */
export function defineLambdaCommand<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  const run = def.run
  return defineCommand({
    ...def,
    async run(ctx) {
      try {
        return await run?.(ctx)
      }
      catch (error) {
        printError(error)
        process.exit(1)
      }
    },
  })
}
