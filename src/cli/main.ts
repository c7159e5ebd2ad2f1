import { defineCommand } from 'citty'
import { version } from '../../package.json'
import { globalArgs } from './args/global-args'

const load = <T>(loader: () => Promise<{ default: T }>) => () => loader().then(m => m.default)

export const main = defineCommand({
  meta: { name: 'lambda', version, description: 'Mini Lambda: write functions, run them locally, deploy them to your own VM.' },
  args: globalArgs,
  subCommands: {
    init: load(() => import('./commands/init')),
    new: load(() => import('./commands/new')),
    dev: load(() => import('./commands/dev')),
    build: load(() => import('./commands/build')),
    deploy: load(() => import('./commands/deploy')),
    invoke: load(() => import('./commands/invoke')),
    invocations: load(() => import('./commands/invocations')),
    invocation: load(() => import('./commands/invocation')),
    list: load(() => import('./commands/list')),
    delete: load(() => import('./commands/delete')),
    versions: load(() => import('./commands/versions')),
    rollback: load(() => import('./commands/rollback')),
    releases: load(() => import('./commands/releases')),
    logs: load(() => import('./commands/logs')),
    secrets: load(() => import('./commands/secrets')),
    schedule: load(() => import('./commands/schedule')),
    schedules: load(() => import('./commands/schedules')),
    metrics: load(() => import('./commands/metrics')),
    config: load(() => import('./commands/config')),
    agent: load(() => import('./commands/agent')),
    completion: load(() => import('./commands/completion')),
    help: load(() => import('./commands/help')),
  },
})
