import { execFileSync } from 'node:child_process'
import { expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { containersOf, describeDocker } from '../helpers/docker'
import { sampleProject } from './provider-contract'

const isPaused = (id: string) => execFileSync('docker', ['inspect', '--format', '{{.State.Paused}}', id], { encoding: 'utf8' }).trim() === 'true'

describeDocker('a function container paused behind the agent\'s back', () => {
  // No idle pause or stop during the story: every pause here is someone else's.
  const suite = useAgent({ provider: 'docker', idleTimeout: 600 }, () => sampleProject(), async (suite) => {
    const deploy = await suite.agent.cli(['deploy', '--only', 'hello'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })

  it('is thawed by the running agent, and the next request is answered rather than left to time out', async () => {
    expect((await suite.agent.call('hello')).status).toBe(200)
    const [id] = containersOf(suite.agent, 'hello')
    execFileSync('docker', ['pause', id!])
    const res = await suite.agent.call('hello')
    expect(res.status, res.text).toBe(200)
    expect(res.json()).toEqual({ message: 'Hello, World!' })
    // the same instance served: it was thawed, not replaced
    expect(containersOf(suite.agent, 'hello')).toContain(id)
    expect(isPaused(id!)).toBe(false)
    expect(suite.agent.process.output()).toMatch(/was paused outside the agent/)
  })

  it('left paused when the agent was killed, is adopted and thawed by the next start', async () => {
    expect((await suite.agent.call('hello')).status).toBe(200)
    const [id] = containersOf(suite.agent, 'hello')
    await suite.agent.process.stop('SIGKILL')
    execFileSync('docker', ['pause', id!])
    suite.agent = await suite.agent.restart()
    expect(suite.agent.process.output()).toMatch(/Adopted 1 running instance\(s\) of an earlier run/)
    const res = await suite.agent.call('hello')
    expect(res.status, res.text).toBe(200)
    expect(containersOf(suite.agent, 'hello')).toContain(id)
    expect(isPaused(id!)).toBe(false)
  })
})
