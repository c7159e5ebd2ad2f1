import type { H3, H3Event } from 'h3'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FunctionsResponse, FunctionSummary } from '../../api/admin-api'
import type { AgentContext } from '../context'
import { getQuery } from 'h3'
import { ADMIN_PREFIX } from '../../api/admin-api'
import { deleteFunction } from '../deploy/delete-function'
import { deployFunction } from '../deploy/deploy-function'
import { invokeServing } from '../gateway'
import { functionURL } from '../options'
import { defineAdminHandler } from './define-admin'
import { envEntries } from './env-entries'
import { functionNotFound } from './not-found'
import { functionNameParam } from './route-params'

/** Env values stay out of the answer unless `?env=true`; secret values never leave the agent. */
async function describeFunction(ctx: AgentContext, name: string, withEnvValues = false): Promise<FunctionSummary | undefined> {
  const record = await ctx.functions.get(name)
  if (!record?.currentVersion) return undefined
  const version = await ctx.functions.getVersion(name, record.currentVersion)
  if (!version) return undefined
  const stats = ctx.serving.stats(name)
  const memory = await ctx.serving.memory(name)
  const { env, ...config } = version.config
  return {
    name,
    version: version.number,
    hash: version.hash,
    kind: version.kind,
    state: (stats.ready > 0 ? 'running' : stats.paused > 0 ? 'paused' : stats.instances > 0 ? 'starting' : 'idle') as FunctionSummary['state'],
    instances: stats.instances,
    paused: stats.paused,
    ...(memory.bytes === undefined ? {} : { memoryBytes: memory.bytes }),
    ...(memory.pausedBytes === undefined ? {} : { pausedMemoryBytes: memory.pausedBytes }),
    inflight: stats.inflight,
    url: functionURL(ctx.options, name),
    deployedAt: version.createdAt,
    config,
    env: envEntries(env, ctx.secrets, withEnvValues),
    lastHour: ctx.metrics.recentActivity(name),
  }
}

const wantsEnvValues = (event: H3Event) => ['true', '1'].includes(String(getQuery(event).env))

export function registerFunctionRoutes(app: H3, ctx: AgentContext) {
  const base = `${ADMIN_PREFIX}/functions`

  app.get(base, defineAdminHandler(ctx, 'deploy', async (event): Promise<FunctionsResponse> => {
    const records = await ctx.functions.list()
    const withEnvValues = wantsEnvValues(event)
    const functions = await Promise.all(records.map(r => describeFunction(ctx, r.name, withEnvValues)))
    return { functions: functions.filter(f => f !== undefined) }
  }))

  app.get(`${base}/:name`, defineAdminHandler(ctx, 'deploy', async (event) => {
    const name = functionNameParam(event)
    const described = await describeFunction(ctx, name, wantsEnvValues(event))
    if (!described) throw functionNotFound(name, ctx.serving.names())
    return described
  }))

  app.put(`${base}/:name`, defineAdminHandler(ctx, 'deploy', async (event, key) => {
    const res = event.runtime!.node!.res as ServerResponse
    const client = new AbortController()
    const onClose = () => {
      if (!res.writableFinished) client.abort()
    }
    res.once('close', onClose)
    try {
      return await deployFunction(ctx, { name: functionNameParam(event), body: event.runtime!.node!.req as IncomingMessage, key, signal: client.signal })
    }
    finally {
      res.off('close', onClose)
    }
  }, { action: 'function.deploy', detail: result => ({ status: result.status, version: result.version, hash: result.hash }) }))

  app.delete(`${base}/:name`, defineAdminHandler(ctx, 'deploy', async (event) => {
    return deleteFunction(ctx, functionNameParam(event))
  }, { action: 'function.delete', detail: result => ({ versionsRemoved: result.versionsRemoved }) }))

  // `lambda invoke`: the admin API forwards to the function (the key that let the call in is not passed on).
  const invoke = defineAdminHandler(ctx, 'invoke', async (event) => {
    const name = functionNameParam(event)
    const req = event.runtime!.node!.req as IncomingMessage
    const prefix = `${base}/${name}/invoke`
    const rest = (req.url ?? '').slice(prefix.length)
    const path = rest.startsWith('/') ? rest : `/${rest}`
    const answer = await invokeServing(ctx, req, event.runtime!.node!.res as ServerResponse, name, path, { viaAdmin: true })
    return answer ?? null
  })
  app.all(`${base}/:name/invoke`, invoke)
  app.all(`${base}/:name/invoke/**`, invoke)
}
