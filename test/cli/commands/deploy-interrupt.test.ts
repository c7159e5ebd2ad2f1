import type { AgentSuite } from '../../helpers/agent'
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { startCli } from '../../helpers/cli'
import { describeDocker } from '../../helpers/docker'
import { createProject } from '../../helpers/project'
import { until } from '../../helpers/until'

/** Ctrl-C while the agent works on the upload: the CLI says what happens, and the agent does it. */
async function interruptDeploy(suite: AgentSuite, fn: string) {
  const deploy = startCli(['deploy', '--only', fn], { cwd: suite.project.dir, env: suite.agent.env })
  await deploy.waitFor(new RegExp(`${fn}: the agent builds the image`), 60_000)
  // Past the upload, inside the agent's build or warm-up.
  await new Promise(resolve => setTimeout(resolve, 500))
  const code = await deploy.stop('SIGINT')
  return { code, output: deploy.output() }
}

const cancelledLine = (suite: AgentSuite, fn: string) => suite.agent.process.output().split('\n').filter(line => line.startsWith('audit ')).map(line => JSON.parse(line.slice(6))).find(entry => entry.action === 'function.deploy' && entry.target === fn && ['DEPLOY_CANCELLED', 'BUILD_CANCELLED'].includes(entry.code))

describe('ctrl-c during lambda deploy', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({
    'functions/hello/index.ts': 'export default () => \'v1\'\n',
    // Three seconds to warm up: the window in which the user gives up.
    'functions/slow/index.ts': 'await new Promise(resolve => setTimeout(resolve, 3000))\nexport default () => \'slow v2\'\n',
  }), async ({ agent, project }) => {
    expect((await agent.cli(['deploy', '--only', 'hello'], { cwd: project.dir })).code).toBe(0)
  })

  it('says what will still happen, exits 130, and the agent does not switch to what was cancelled', async () => {
    const { code, output } = await interruptDeploy(suite, 'slow')
    expect(code).toBe(130)
    expect(output).toContain('Interrupted: nothing more is uploaded')
    expect(output).toContain('cancels each build that had not gone live')
    await until(() => cancelledLine(suite, 'slow'), 'the agent to cancel the deploy', 15_000)
    expect((await suite.agent.call('slow')).status).toBe(404)
    // The function's lock is free: the next deploy goes through.
    const again = await suite.agent.cli(['deploy', '--only', 'slow'], { cwd: suite.project.dir })
    expect(again.code, again.output).toBe(0)
    expect((await suite.agent.call('slow')).text).toBe('slow v2')
  })
})

describeDocker('ctrl-c during a docker build', () => {
  const suite = useAgent({ provider: 'docker' }, () => createProject({
    'functions/forever/Dockerfile': 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN sleep 60\n',
  }))

  it('stops the build on the agent at once, and leaves nothing of it', async () => {
    const started = Date.now()
    const { code } = await interruptDeploy(suite, 'forever')
    expect(code).toBe(130)
    await until(() => cancelledLine(suite, 'forever'), 'the agent to stop the build', 20_000)
    expect(Date.now() - started).toBeLessThan(40_000)
    // The RUN step's container is gone with the build.
    await until(() => !execFileSync('docker', ['ps', '--no-trunc', '--format', '{{.Command}}'], { encoding: 'utf8' }).includes('sleep 60'), 'the build container to go', 15_000)
    expect((await suite.agent.admin('/functions/forever/versions')).json().current ?? null).toBeNull()
  })
})
