import type { ScheduleListing } from '../../api/admin-api'
import type { LambdaArgsDef } from '../args/lambda-args'
import type { ValueType } from '../args/value-types'
import type { LambdaCommandContext } from '../define-command'
import { readFile } from 'node:fs/promises'
import { consola } from 'consola'
import { SCHEDULE_ID_RE } from '../../agent/schedules/schedule-ids'
import { checkScheduleInput } from '../../agent/schedules/schedule-input'
import { assertFunctionName } from '../../config/function-name'
import { SCHEDULE_OVERLAPS } from '../../config/schema/schedule'
import { LambdaError } from '../../errors'
import { SCHEDULE_RUNS_KEPT } from '../../store/schedule-store'
import { wholeNumber } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { printJson } from '../output/json-output'
import { describeOutcome, printRuns, printSchedules, shortTime } from '../schedule-view'
import { asUsageError, usageError } from '../usage-error'
import { agentClientFromArgs } from './_agent-client'
import { agentArgs, jsonArgs } from './_shared'

const scheduleId: ValueType<string> = {
  expected: 'a schedule id such as cli-k7x2m9qa4b1c or cfg-3fa9c2d1e0b4 (see `lambda schedules`)',
  example: 'cli-k7x2m9qa4b1c',
  parse: raw => SCHEDULE_ID_RE.test(raw) ? raw : undefined,
}

const idArg = { id: { type: 'positional', required: true, value: scheduleId, description: 'Schedule id (see `lambda schedules`)' } } satisfies LambdaArgsDef

const addArgs = {
  'name': { type: 'positional', required: true, description: 'Function name', completeWith: 'functions' },
  'cron': { type: 'string', description: 'Cron expression: 5 fields, or 6 with seconds first, e.g. "*/5 * * * *"', valueHint: 'expr' },
  'tz': { type: 'string', description: 'IANA time zone the expression is read in (default: UTC), e.g. Europe/Berlin', valueHint: 'zone' },
  'overlap': { type: 'enum', options: [...SCHEDULE_OVERLAPS], description: 'When a run is still going: skip the next (default), allow both, or queue one' },
  'payload': { type: 'string', description: 'JSON sent with each run (the body; `detail` for Lambda handlers): inline, or @file', valueHint: 'json|@file' },
  'catch-up': { type: 'boolean', default: false, description: 'After the agent was down, run once for the times it missed' },
  ...agentArgs,
  ...jsonArgs,
} satisfies LambdaArgsDef

async function readPayload(raw: string | undefined): Promise<unknown> {
  if (raw === undefined) return undefined
  let text = raw
  if (raw.startsWith('@')) {
    text = await readFile(raw.slice(1), 'utf8').catch((error: Error) => {
      throw new LambdaError({ code: 'FILE_NOT_READABLE', status: 400, message: `Cannot read ${raw.slice(1)}: ${error.message}`, hint: 'Pass --payload @<existing file> or inline JSON, e.g. --payload \'{"kind":"daily"}\'.' })
    })
  }
  try {
    return JSON.parse(text)
  }
  catch (error) {
    throw usageError({ code: 'INVALID_VALUE', message: `Invalid value for --payload: ${raw.startsWith('@') ? `${raw.slice(1)} does not hold` : 'it is not'} JSON (${(error as Error).message}).`, hint: 'e.g. --payload \'{"kind":"daily"}\', or --payload @payload.json.' })
  }
}

function printAdded(schedule: ScheduleListing): void {
  consola.success(`Added schedule ${schedule.id} to "${schedule.function}": ${schedule.cron} (${schedule.timezone}), overlap ${schedule.overlap}${schedule.catchUp ? ', catch-up' : ''}.`)
  if (schedule.nextRuns.length > 0) consola.log(`  Next runs: ${schedule.nextRuns.map(shortTime).join(', ')}`)
}

async function addSchedule({ args, json }: LambdaCommandContext<typeof addArgs>) {
  asUsageError(() => assertFunctionName(args.name))
  if (args.cron === undefined) throw usageError({ code: 'MISSING_OPTION', message: `Which times? \`lambda schedule ${args.name}\` needs --cron.`, hint: `e.g. lambda schedule ${args.name} --cron "*/5 * * * *" (every 5 minutes), or --cron "0 6 * * *" --tz Europe/Berlin.` })
  const payload = await readPayload(args.payload)
  const input = { cron: args.cron, timezone: args.tz ?? 'UTC', payload }
  // The agent checks again, whatever sent it; here the same rules make a bad flag exit 2 before any request.
  asUsageError(() => checkScheduleInput(input, { cron: 'Invalid value for --cron:', timezone: 'Invalid value for --tz:', payload: 'Invalid value for --payload: it' }))
  const added = await agentClientFromArgs(args).addSchedule({ function: args.name, ...input, overlap: (args.overlap ?? 'skip') as ScheduleListing['overlap'], catchUp: args['catch-up'] })
  if (json) return printJson(added)
  printAdded(added)
}

export default defineLambdaCommand({
  meta: { name: 'schedule', description: 'Add a schedule to a function (`lambda schedule <fn> --cron …`), or manage one: rm, pause, resume, run, history' },
  args: addArgs,
  subCommands: {
    add: defineLambdaCommand({
      meta: { name: 'add', description: 'Add a schedule to a deployed function (kept across deploys, until `lambda schedule rm`)' },
      args: addArgs,
      run: addSchedule,
    }),
    rm: defineLambdaCommand({
      meta: { name: 'rm', description: 'Remove a schedule added with the CLI, and its history' },
      args: { ...idArg, ...agentArgs, ...jsonArgs },
      async run({ args, values, json }) {
        const removed = await agentClientFromArgs(args).removeSchedule(values.id!)
        if (json) return printJson(removed)
        consola.success(`Removed schedule ${removed.id} of "${removed.function}".`)
      },
    }),
    pause: defineLambdaCommand({
      meta: { name: 'pause', description: 'Stop a schedule firing (it stays defined; `lambda schedule resume` starts it again)' },
      args: { ...idArg, ...agentArgs, ...jsonArgs },
      async run({ args, values, json }) {
        const schedule = await agentClientFromArgs(args).pauseSchedule(values.id!)
        if (json) return printJson(schedule)
        consola.success(`Paused schedule ${schedule.id} of "${schedule.function}".`)
      },
    }),
    resume: defineLambdaCommand({
      meta: { name: 'resume', description: 'Start a paused schedule again from its next time (missed times are not run)' },
      args: { ...idArg, ...agentArgs, ...jsonArgs },
      async run({ args, values, json }) {
        const schedule = await agentClientFromArgs(args).resumeSchedule(values.id!)
        if (json) return printJson(schedule)
        consola.success(`Resumed schedule ${schedule.id} of "${schedule.function}". Next runs: ${schedule.nextRuns.map(shortTime).join(', ') || '-'}`)
      },
    }),
    run: defineLambdaCommand({
      meta: { name: 'run', description: 'Fire a schedule now (under its overlap rule) and wait for the run' },
      args: { ...idArg, ...agentArgs, ...jsonArgs },
      async run({ args, values, json }) {
        const run = await agentClientFromArgs(args).runSchedule(values.id!)
        if (run.outcome !== 'ok') {
          throw new LambdaError({
            code: run.outcome === 'skipped' ? 'SCHEDULE_RUN_SKIPPED' : 'SCHEDULE_RUN_FAILED',
            status: run.outcome === 'skipped' ? 409 : 502,
            message: `Schedule ${run.schedule} of "${run.function}": ${describeOutcome(run)}.`,
            hint: run.outcome === 'skipped' ? 'Wait for the running one to end, or change the schedule\'s overlap.' : `See \`lambda schedule history ${run.schedule}\` and the function's output in the agent's log.`,
            data: { run },
          })
        }
        if (json) return printJson(run)
        consola.success(`Ran schedule ${run.schedule} of "${run.function}"${run.version === undefined ? '' : ` (v${run.version})`}: ${describeOutcome(run)}.`)
      },
    }),
    history: defineLambdaCommand({
      meta: { name: 'history', description: `A schedule's runs, newest first (the last ${SCHEDULE_RUNS_KEPT} are kept)` },
      args: { ...idArg, limit: { type: 'string', value: wholeNumber({ min: 1, max: SCHEDULE_RUNS_KEPT, unit: 'runs', example: 20 }), description: `Runs to show (default: all ${SCHEDULE_RUNS_KEPT} kept)`, valueHint: 'n' }, ...agentArgs, ...jsonArgs },
      async run({ args, values, json }) {
        const history = await agentClientFromArgs(args).scheduleHistory(values.id!, values.limit)
        if (json) return printJson(history)
        if (history.schedule) printSchedules([history.schedule])
        else consola.info(`Schedule ${values.id} is no longer defined (a deploy replaced it); its runs:`)
        process.stdout.write('\n')
        if (history.runs.length === 0) consola.info('No runs yet.')
        else printRuns(history.runs)
      },
    }),
  },
  run: addSchedule,
})
