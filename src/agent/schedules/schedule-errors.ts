import { LambdaError } from '../../errors'

export function scheduleNotFound(id: string): LambdaError {
  return new LambdaError({
    code: 'SCHEDULE_NOT_FOUND',
    status: 404,
    message: `No schedule with id "${id}".`,
    hint: 'List the schedules and their ids with `lambda schedules` (GET /_lambda/schedules).',
    data: { id },
  })
}

/** Config schedules belong to the function's version: the project changes them, by a deploy. */
export function scheduleFromConfig(id: string, fn: string, action: string): LambdaError {
  return new LambdaError({
    code: 'SCHEDULE_FROM_CONFIG',
    status: 409,
    message: `Schedule ${id} of "${fn}" comes from lambda.config.ts: it cannot be ${action} with the CLI.`,
    hint: `Change functions.${fn}.schedule in lambda.config.ts and deploy, or stop it for now with \`lambda schedule pause ${id}\`.`,
    data: { id, function: fn },
  })
}

export function scheduleDisabled(id: string, fn: string): LambdaError {
  return new LambdaError({
    code: 'SCHEDULE_DISABLED',
    status: 409,
    message: `Schedule ${id} of "${fn}" has enabled: false in lambda.config.ts: resuming it would not make it fire.`,
    hint: `Remove enabled: false from its entry in functions.${fn}.schedule and deploy (\`lambda schedule run ${id}\` runs it once now).`,
    data: { id, function: fn },
  })
}
