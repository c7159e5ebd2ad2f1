import { consola } from 'consola'
import { colors } from 'consola/utils'
import { functionURLs, reachedAsLocalhost } from '../../dev/dev-address'
import { startDevServer } from '../../dev/dev-server'
import { listenPort } from '../args/value-types'
import { defineLambdaCommand } from '../define-command'
import { loadOptionsFromArgs, projectArgs, requireProject } from './_shared'

export default defineLambdaCommand({
  meta: { name: 'dev', description: 'Run every function locally with hot reload' },
  args: {
    ...projectArgs,
    port: { type: 'string', alias: 'p', value: listenPort, description: 'Port, exactly: taken is an error (default: dev.port or 3000, moving to a free port when taken)', valueHint: 'port' },
    host: { type: 'string', description: 'Interface to listen on (default: localhost)' },
    schedules: { type: 'boolean', default: true, description: 'Fire the project\'s schedules (--no-schedules turns them off)' },
  },
  async run({ args, values }) {
    const load = await loadOptionsFromArgs(args)
    requireProject(load)
    const server = await startDevServer({ ...load, port: values.port, host: args.host, schedules: args.schedules })
    const names = server.registry.names()
    const width = Math.max(8, ...names.map(n => n.length))
    consola.box([
      `Mini Lambda dev server on ${colors.cyan(server.url)}`,
      '',
      ...(names.length > 0
        ? names.map((name) => {
            const urls = functionURLs(name, server.address)
            return urls.host ? `${name.padEnd(width)}  ${colors.cyan(urls.host)}  ${colors.dim(urls.path)}` : `${name.padEnd(width)}  ${colors.cyan(urls.path)}`
          })
        : ['No functions yet: create one with `lambda new hello`.']),
      // <fn>.localhost reaches loopback only: on another interface functions answer by path.
      ...(reachedAsLocalhost(server.address) ? [] : ['', colors.dim(`By host name: curl -H 'Host: ${names[0] ?? 'hello'}.localhost' ${server.url}`)]),
    ].join('\n'))
    if (server.port !== server.requestedPort && server.requestedPort !== 0) consola.warn(`Port ${server.requestedPort} is taken: serving on ${server.url} instead (choose one with --port).`)
    if (!args.schedules) consola.info('Schedules are off (--no-schedules): nothing fires on its own.')
    const stop = async () => {
      await server.close()
      process.exit(0)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  },
})
