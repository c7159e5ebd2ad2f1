import type { AgentProcess } from '../helpers/agent'
import type { TempProject } from '../helpers/project'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startAgentProcess } from '../helpers/agent'
import { describeDocker } from '../helpers/docker'
import { createProject } from '../helpers/project'

// The systemd unit runs the agent with UMask=0077, as hardened hosts do for every login: whatever the
// agent writes for an image (its base, its build contexts, the uploads it unpacks) must still be readable
// by the function's user (10001) inside it, which owns none of those files.

describeDocker('an agent under umask 077 (the unit\'s UMask=0077)', () => {
  const work = mkdtempSync(join(tmpdir(), 'lambda-umask-'))
  let agent: AgentProcess
  let project: TempProject
  let baseTag: string | undefined

  beforeAll(async () => {
    // A copy of this Node at a path of its own: the base assembled from "this host's Node" then has a
    // fingerprint no other suite shares, so it is built here, under this umask, rather than found.
    const node = join(work, 'node')
    copyFileSync(process.execPath, node)
    const wrapper = join(work, 'node-umask-077')
    writeFileSync(wrapper, `#!/bin/sh\numask 077\nexec ${node} "$@"\n`, { mode: 0o755 })
    project = createProject({
      'functions/hello/index.ts': 'export default () => ({ message: \'readable\' })\n',
      // A Dockerfile function whose files sit in a folder of their own, copied as they were uploaded.
      'functions/shelf/Dockerfile': 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY index.mjs /var/task/\nCOPY lib/ /var/task/lib/\n',
      'functions/shelf/index.mjs': 'import { label } from \'./lib/label.mjs\'\nexport default () => ({ shelf: label })\n',
      'functions/shelf/lib/label.mjs': 'export const label = \'from lib/\'\n',
    })
    agent = await startAgentProcess({ provider: 'docker', node: wrapper })
    baseTag = agent.process.output().match(/Assembling (mini-lambda\/runtime:[0-9a-f]{12})/)?.[1]
  }, 240_000)
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    // The base this suite assembled (the function images on it went with the agent's cleanup).
    if (baseTag) execFileSync('docker', ['rmi', baseTag], { stdio: 'ignore' })
    project?.remove()
    rmSync(work, { recursive: true, force: true })
  })

  it('assembles a base of its own, and node and Dockerfile functions built on it answer', async () => {
    expect(baseTag, agent.process.output()).toBeDefined()
    const deploy = await agent.cli(['deploy'], { cwd: project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    expect((await agent.call('hello')).json()).toEqual({ message: 'readable' })
    expect((await agent.call('shelf')).json()).toEqual({ shelf: 'from lib/' })
  })
})
