import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { describeDocker } from '../helpers/docker'
import { createProject } from '../helpers/project'

const FIRST = 'docker-secret-FIRST-91c7e3'
const ROTATED = 'docker-secret-ROTATED-5d20af'

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' })

describeDocker('secrets with the docker provider', () => {
  const suite = useAgent({ provider: 'docker' }, () => createProject({
    'lambda.config.ts': 'import { defineConfig, secret } from \'mini-lambda\'\nexport default defineConfig({ functions: { show: { env: { TOKEN: secret(\'tok\') } } } })\n',
    'functions/show/index.ts': 'export default () => ({ token: process.env.TOKEN ?? null })\n',
  }))

  it('a container sees the secret; after a rotation the next container (not the one created in advance) sees the new value', async () => {
    expect((await suite.agent.cli(['secrets', 'set', 'tok'], { input: FIRST })).code).toBe(0)
    const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    expect((await suite.agent.call('show')).json()).toEqual({ token: FIRST })

    const rotate = await suite.agent.cli(['secrets', 'set', 'tok'], { input: ROTATED })
    expect(rotate.code, rotate.output).toBe(0)
    expect((await suite.agent.call('show')).json()).toEqual({ token: ROTATED })

    // The image is built without any value: only a started container gets it.
    const agentId = JSON.parse(readFileSync(`${suite.agent.dataDir}/state/meta/agent`, 'utf8')).id
    const images = docker('images', '-q', '--filter', `label=mini-lambda.agent=${agentId}`, '--filter', 'label=mini-lambda.function=show').split('\n').filter(Boolean)
    expect(images.length).toBeGreaterThan(0)
    for (const image of new Set(images)) {
      const inspected = docker('image', 'inspect', image)
      expect(inspected).not.toContain(FIRST)
      expect(inspected).not.toContain(ROTATED)
    }
  })
})
