import { expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { describeDocker } from '../../helpers/docker'
import { createProject } from '../../helpers/project'
import { callAsync, finished } from './async-project'

describeDocker('asynchronous invocations with the docker provider', () => {
  const suite = useAgent({ provider: 'docker' }, () => createProject({
    'lambda.config.ts': 'export default { functions: { echo: { async: { retries: 1 } } } }\n',
    'functions/echo/index.ts': [
      'export default async (req: Request, ctx: { requestId: string }) => {',
      '  const url = new URL(req.url)',
      '  if (url.searchParams.has(\'crash\')) process.exit(3)',
      '  return { method: req.method, path: url.pathname + url.search, body: await req.text(), id: req.headers.get(\'x-lambda-invocation-id\'), requestId: ctx.requestId }',
      '}',
      '',
    ].join('\n'),
  }))

  it('a 202 call runs in the function\'s container with its method, path and body; a crash is retried, then dead-lettered', async () => {
    const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)

    const res = await callAsync(suite.agent, 'echo', '/jobs?n=1', { method: 'PATCH', body: 'payload' })
    expect(res.status).toBe(202)
    const { id } = res.json()
    const detail = await finished(suite.agent, id)
    expect(detail).toMatchObject({ status: 'succeeded', attemptCount: 1, result: { status: 200 } })
    expect(JSON.parse(detail.result.body)).toEqual({ method: 'PATCH', path: '/jobs?n=1', body: 'payload', id, requestId: id })

    const crash = await finished(suite.agent, (await callAsync(suite.agent, 'echo', '/?crash')).json().id)
    expect(crash).toMatchObject({ status: 'failed', attemptCount: 2, failure: { reason: 'retries-exhausted' } })
    expect(crash.attempts.map((a: { status: number, error?: { code: string } }) => [a.status, a.error?.code])).toEqual([[502, 'FUNCTION_CRASHED'], [502, 'FUNCTION_CRASHED']])
  })
})
