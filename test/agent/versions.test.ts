import type { AgentProcess } from '../helpers/agent'
import type { TempProject } from '../helpers/project'
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { describeDocker } from '../helpers/docker'
import { request } from '../helpers/http'
import { cliPath } from '../helpers/paths'
import { createProject } from '../helpers/project'

const greeter = (text: string) => `export default () => ({ text: ${JSON.stringify(text)} })\n`
const agentIdOf = (agent: AgentProcess) => JSON.parse(readFileSync(`${agent.dataDir}/state/meta/agent`, 'utf8')).id as string
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean)
/** Versions of a function that have an image, from Docker itself; an untagged leftover shows as <none>. */
const imagesOf = (agent: AgentProcess, fn: string) => docker('images', '--format', '{{.Tag}}', '--filter', `label=mini-lambda.agent=${agentIdOf(agent)}`, '--filter', `label=mini-lambda.function=${fn}`).map(tag => tag.replace(/-[0-9a-f]{12}$/, '')).sort()
const containerVersions = (agent: AgentProcess, fn: string) => docker('ps', '-a', '--format', '{{.Label "mini-lambda.version"}}', '--filter', `label=mini-lambda.agent=${agentIdOf(agent)}`, '--filter', `label=mini-lambda.function=${fn}`)
async function textOf(agent: AgentProcess, host: string): Promise<string> {
  const res = await agent.call(host)
  // Say what came instead: a failure here is read from the status and the error, not "undefined".
  if (res.status !== 200) throw new Error(`${host} answered ${res.status}: ${res.text}`)
  return res.json().text
}

async function deployOk(agent: AgentProcess, project: TempProject, args: string[] = []) {
  const result = await agent.cli(['deploy', ...args], { cwd: project.dir })
  expect(result.code, result.output).toBe(0)
  return result
}

describeDocker('versions, releases and rollback', () => {
  describe('one function', () => {
    const suite = useAgent({ provider: 'docker' }, () => createProject({ 'functions/greeter/index.ts': greeter('one') }))

    it('deploy v1, deploy v2, list versions, roll back to v1: the URL answers v1 again', async () => {
      await deployOk(suite.agent, suite.project)
      suite.project.write('functions/greeter/index.ts', greeter('two'))
      expect((await deployOk(suite.agent, suite.project)).output).toMatch(/greeter\s+built\s+v2/)
      expect(await textOf(suite.agent, 'greeter')).toBe('two')

      const versions = await suite.agent.cli(['versions', 'greeter'])
      expect(versions.stdout).toMatch(/VERSION\s+CURRENT\s+HASH\s+CREATED\s+IMAGE/)
      expect(versions.stdout).toMatch(/v2\s+\*\s+[0-9a-f]{12}\s+\S+\s+mini-lambda\/greeter:v2-[0-9a-f]{12}/)
      expect(versions.stdout).toMatch(/v1\s+[0-9a-f]{12}\s+\S+\s+mini-lambda\/greeter:v1-[0-9a-f]{12}/)

      const rollback = await suite.agent.cli(['rollback', 'greeter'])
      expect(rollback.code, rollback.output).toBe(0)
      expect(rollback.output).toContain('now serves v1 (was v2)')
      expect(await textOf(suite.agent, 'greeter')).toBe('one')
      const json = JSON.parse((await suite.agent.cli(['versions', 'greeter', '--json'])).stdout)
      expect(json.current).toBe(1)
      expect(json.history.map((h: { version: number, action: string }) => `${h.action}:v${h.version}`)).toEqual(['deploy:v1', 'deploy:v2', 'rollback:v1'])
      expect((await suite.agent.cli(['versions', 'greeter', '--history'])).stdout).toMatch(/rollback/)
    })

    it('rolls forward to a named version without rebuilding', async () => {
      const imagesBefore = imagesOf(suite.agent, 'greeter')
      const result = await suite.agent.cli(['rollback', 'greeter', '2'])
      expect(result.code, result.output).toBe(0)
      expect(await textOf(suite.agent, 'greeter')).toBe('two')
      expect(imagesOf(suite.agent, 'greeter')).toEqual(imagesBefore)
    })

    it('reaches each kept version at v<N>.<fn> while <fn> serves the current one', async () => {
      expect(await textOf(suite.agent, 'v1.greeter')).toBe('one')
      expect(await textOf(suite.agent, 'v2.greeter')).toBe('two')
      expect(await textOf(suite.agent, 'greeter')).toBe('two')
      const missing = await suite.agent.call('v9.greeter')
      expect(missing.status).toBe(404)
      expect(missing.json().error.code).toBe('VERSION_NOT_FOUND')
    })

    it('refuses a version it does not have, listing the ones it has', async () => {
      const result = await suite.agent.cli(['rollback', 'greeter', '7'])
      expect(result.code).toBe(1)
      expect(result.output).toContain('has no version 7')
      expect(result.output).toContain('Available: v1, v2')
      expect(await textOf(suite.agent, 'greeter')).toBe('two')
    })

    it('a deploy that cannot start leaves the serving version and no image behind', async () => {
      suite.project.write('functions/greeter/index.ts', 'throw new Error(\'boot failure\')\nexport default () => 1\n')
      const result = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
      expect(result.code).toBe(1)
      expect(result.output).toContain('boot failure')
      expect(await textOf(suite.agent, 'greeter')).toBe('two')
      expect(imagesOf(suite.agent, 'greeter')).toEqual(['v1', 'v2'])
      suite.project.write('functions/greeter/index.ts', greeter('two'))
    })
  })

  describe('a three-function project', () => {
    const suite = useAgent({ provider: 'docker' }, () => createProject({ 'functions/alpha/index.ts': greeter('alpha-1'), 'functions/beta/index.ts': greeter('beta-1'), 'functions/gamma/index.ts': greeter('gamma-1') }))

    it('each whole-project deploy records a release; rollback --release puts all three back in one step', async () => {
      expect((await deployOk(suite.agent, suite.project)).output).toContain('Release #1')
      for (const name of ['alpha', 'beta', 'gamma']) suite.project.write(`functions/${name}/index.ts`, greeter(`${name}-2`))
      expect((await deployOk(suite.agent, suite.project)).output).toContain('Release #2')
      expect(await textOf(suite.agent, 'beta')).toBe('beta-2')

      const releases = await suite.agent.cli(['releases'])
      expect(releases.stdout).toMatch(/#2\s+\S+\s+deploy\s+alpha@v2 beta@v2 gamma@v2/)
      expect(releases.stdout).toMatch(/#1\s+\S+\s+deploy\s+alpha@v1 beta@v1 gamma@v1/)

      const rollback = await suite.agent.cli(['rollback', '--release'])
      expect(rollback.code, rollback.output).toBe(0)
      expect(rollback.output).toContain('release #1')
      for (const name of ['alpha', 'beta', 'gamma']) expect(await textOf(suite.agent, name)).toBe(`${name}-1`)
      expect((await suite.agent.cli(['releases'])).stdout).toMatch(/#3\s+\S+\s+rollback to #1\s+alpha@v1 beta@v1 gamma@v1/)

      const forward = await suite.agent.cli(['rollback', '--release', '2'])
      expect(forward.code, forward.output).toBe(0)
      for (const name of ['alpha', 'beta', 'gamma']) expect(await textOf(suite.agent, name)).toBe(`${name}-2`)
    })

    it('an unknown release is refused with the list of releases', async () => {
      const result = await suite.agent.cli(['rollback', '--release', '42'])
      expect(result.code).toBe(1)
      expect(result.output).toContain('There is no release #42')
      expect(result.output).toMatch(/#1, #2, #3/)
    })
  })

  describe('pruning', () => {
    const suite = useAgent({ provider: 'docker', extraArgs: ['--keep-releases', '2'] }, () => createProject({
      'functions/busy/index.ts': greeter('busy-1'),
      'lambda.config.ts': 'export default { deploy: { keepVersions: 2 } }\n',
    }))

    it('keeps the newest keepVersions versions; Docker itself shows nothing of the pruned ones', async () => {
      for (let i = 1; i <= 4; i++) {
        suite.project.write('functions/busy/index.ts', greeter(`busy-${i}`))
        await deployOk(suite.agent, suite.project)
        // leave a running instance of each version behind, and a container waiting for its next start
        await suite.agent.call('busy')
        await suite.agent.call(`v${i}.busy`)
      }
      const versions = JSON.parse((await suite.agent.cli(['versions', 'busy', '--json'])).stdout)
      expect(versions.versions.map((v: { number: number }) => v.number)).toEqual([3, 4])
      expect(imagesOf(suite.agent, 'busy')).toEqual(['v3', 'v4'])
      expect(containerVersions(suite.agent, 'busy').filter(v => v === '1' || v === '2')).toEqual([])
      expect((await suite.agent.call('v1.busy')).status).toBe(404)
      expect(await textOf(suite.agent, 'busy')).toBe('busy-4')
      // numbers only grow, also after pruning
      suite.project.write('functions/busy/index.ts', greeter('busy-5'))
      expect((await deployOk(suite.agent, suite.project)).output).toMatch(/busy\s+built\s+v5/)
    })

    it('lambda delete removes every image and container of the function', async () => {
      expect((await suite.agent.cli(['delete', 'busy', '--yes'])).code).toBe(0)
      expect(imagesOf(suite.agent, 'busy')).toEqual([])
      expect(containerVersions(suite.agent, 'busy')).toEqual([])
    })
  })

  describe('deploy.keepVersions is the bound', () => {
    // The default --keep-releases (20) keeps every release here: releases must not keep versions alive.
    const suite = useAgent({ provider: 'docker' }, () => createProject({
      'functions/alpha/index.ts': greeter('alpha-1'),
      'functions/beta/index.ts': greeter('beta-1'),
      'lambda.config.ts': 'export default { deploy: { keepVersions: 2 } }\n',
    }))
    const releasesJson = async () => JSON.parse((await suite.agent.cli(['releases', '--json'])).stdout) as Array<{ id: number, restorable: boolean, missing: unknown[] }>

    it('after more deploys than keepVersions, Docker holds keepVersions images per function; old releases show as not restorable', async () => {
      for (let i = 1; i <= 4; i++) {
        suite.project.write('functions/alpha/index.ts', greeter(`alpha-${i}`))
        expect((await deployOk(suite.agent, suite.project)).output).toContain(`Release #${i}`)
        expect(imagesOf(suite.agent, 'alpha').length, `after deploy ${i}`).toBeLessThanOrEqual(2)
      }
      expect(imagesOf(suite.agent, 'alpha')).toEqual(['v3', 'v4'])
      expect(imagesOf(suite.agent, 'beta')).toEqual(['v1'])

      const releases = await releasesJson()
      expect(releases.map(r => [r.id, r.restorable, r.missing])).toEqual([
        [1, false, [{ function: 'alpha', version: 1, reason: 'pruned' }]],
        [2, false, [{ function: 'alpha', version: 2, reason: 'pruned' }]],
        [3, true, []],
        [4, true, []],
      ])
      const table = (await suite.agent.cli(['releases'])).stdout
      expect(table).toMatch(/RELEASE\s+CREATED\s+KIND\s+FUNCTIONS\s+RESTORABLE/)
      expect(table).toMatch(/#4\s+\S+\s+deploy\s+alpha@v4 beta@v1\s+yes/)
      expect(table).toMatch(/#1\s+\S+\s+deploy\s+alpha@v1 beta@v1\s+no: alpha@v1 pruned/)
    }, 300_000)

    it('a rollback to a release with a pruned version is refused with 409 naming it and the fix, and changes nothing', async () => {
      const result = await suite.agent.cli(['rollback', '--release', '1'])
      expect(result.code).toBe(1)
      expect(result.output).toContain('Release #1 cannot be restored: alpha v1 is no longer kept (alpha keeps v3, v4)')
      expect(result.output).toContain('raise deploy.keepVersions')
      const api = await suite.agent.admin('/releases/rollback', { method: 'POST', body: '{"id":1}' })
      expect(api.status).toBe(409)
      expect(api.json().error).toMatchObject({ code: 'RELEASE_NOT_RESTORABLE', release: 1, missing: [{ function: 'alpha', version: 1, reason: 'pruned' }] })
      expect(await textOf(suite.agent, 'alpha')).toBe('alpha-4')
      expect((await releasesJson()).map(r => r.id)).toEqual([1, 2, 3, 4])

      const restorable = await suite.agent.cli(['rollback', '--release', '3'])
      expect(restorable.code, restorable.output).toBe(0)
      expect(await textOf(suite.agent, 'alpha')).toBe('alpha-3')
    })

    it('a lower keepVersions applies at the next whole-project deploy, even with no code change, and keeps the current version', async () => {
      // alpha serves v3 (release rollback above); the project's code is v3's again, so nothing is built.
      suite.project.write('functions/alpha/index.ts', greeter('alpha-3'))
      suite.project.write('lambda.config.ts', 'export default { deploy: { keepVersions: 1 } }\n')
      expect((await deployOk(suite.agent, suite.project)).output).toMatch(/0 built, 2 unchanged/)
      expect(imagesOf(suite.agent, 'alpha')).toEqual(['v3'])
      expect(imagesOf(suite.agent, 'beta')).toEqual(['v1'])
      expect(await textOf(suite.agent, 'alpha')).toBe('alpha-3')
      expect((await suite.agent.call('v4.alpha')).status).toBe(404)
    })
  })

  describe('a deleted function keeps its version counter', () => {
    const suite = useAgent({ provider: 'docker' }, () => createProject({ 'functions/alpha/index.ts': greeter('alpha-1'), 'functions/beta/index.ts': greeter('beta-1') }), async (suite) => {
      await deployOk(suite.agent, suite.project) // release #1: alpha@v1 beta@v1
      suite.project.write('functions/alpha/index.ts', greeter('alpha-2'))
      await deployOk(suite.agent, suite.project) // release #2: alpha@v2 beta@v1
      suite.project.write('functions/beta/index.ts', greeter('beta-2'))
      await deployOk(suite.agent, suite.project) // release #3: alpha@v2 beta@v2
    })
    const releasesJson = async () => JSON.parse((await suite.agent.cli(['releases', '--json'])).stdout) as Array<{ id: number, kind: string, functions: Record<string, number>, skipped?: string[], restorable: boolean, missing: unknown[] }>

    it('lambda delete leaves no image in Docker', async () => {
      expect(imagesOf(suite.agent, 'alpha')).toEqual(['v1', 'v2'])
      const result = await suite.agent.cli(['delete', 'alpha', '--yes'])
      expect(result.code, result.output).toBe(0)
      expect(imagesOf(suite.agent, 'alpha')).toEqual([])
      expect(containerVersions(suite.agent, 'alpha')).toEqual([])
      expect((await suite.agent.call('alpha')).status).toBe(404)
    })

    it('a release rollback that includes the deleted function names it and changes nothing without --force', async () => {
      const result = await suite.agent.cli(['rollback', '--release', '2'])
      expect(result.code).toBe(1)
      expect(result.output).toContain('Release #2 includes alpha, which has been deleted since')
      expect(result.output).toContain('lambda rollback --release 2 --force')
      expect(await textOf(suite.agent, 'beta')).toBe('beta-2')

      const api = await suite.agent.admin('/releases/rollback', { method: 'POST', body: '{"id":2}' })
      expect(api.status).toBe(409)
      expect(api.json().error).toMatchObject({ code: 'RELEASE_INCLUDES_DELETED', release: 2, deleted: ['alpha'] })
      const badForce = await suite.agent.admin('/releases/rollback', { method: 'POST', body: '{"id":2,"force":"yes"}' })
      expect(badForce.status).toBe(400)
      expect(badForce.json().error).toMatchObject({ code: 'BAD_REQUEST', field: 'force' })

      const release2 = (await releasesJson()).find(r => r.id === 2)!
      expect(release2).toMatchObject({ restorable: false, missing: [{ function: 'alpha', version: 2, reason: 'deleted' }] })
      expect((await suite.agent.cli(['releases'])).stdout).toMatch(/#2\s+\S+\s+deploy\s+alpha@v2 beta@v1\s+no: alpha@v2 deleted/)
      expect(await releasesJson()).toHaveLength(3)
    })

    it('--force rolls back the others and leaves the deleted function deleted', async () => {
      const result = await suite.agent.cli(['rollback', '--release', '2', '--force'])
      expect(result.code, result.output).toBe(0)
      expect(result.output).toMatch(/beta\s+v2 → v1/)
      expect(result.output).toMatch(/alpha\s+skipped: deleted since/)
      expect(await textOf(suite.agent, 'beta')).toBe('beta-1')
      expect((await suite.agent.call('alpha')).status).toBe(404)
      expect((await releasesJson()).at(-1)).toMatchObject({ id: 4, kind: 'rollback', functions: { beta: 1 }, skipped: ['alpha'], restorable: true })
      expect((await suite.agent.cli(['releases'])).stdout).toMatch(/#4\s+\S+\s+rollback to #2 \(alpha deleted\)\s+beta@v1\s+yes/)
    })

    it('a redeploy after a restart continues at the next number: v3, never v1 again', async () => {
      await suite.agent.stop()
      suite.agent = await suite.agent.restart()
      const deploy = await suite.agent.cli(['deploy', '--only', 'alpha'], { cwd: suite.project.dir })
      expect(deploy.code, deploy.output).toBe(0)
      expect(deploy.output).toMatch(/alpha\s+built\s+v3/)
      const versions = JSON.parse((await suite.agent.cli(['versions', 'alpha', '--json'])).stdout)
      expect(versions).toMatchObject({ current: 3, lastVersion: 3 })
      expect(versions.versions.map((v: { number: number }) => v.number)).toEqual([3])
      expect(imagesOf(suite.agent, 'alpha')).toEqual(['v3'])
      expect(await textOf(suite.agent, 'alpha')).toBe('alpha-2')
      expect((await suite.agent.call('v1.alpha')).status).toBe(404)
      // alpha exists again, but not its v2, which went with the delete (not keepVersions): release #2 stays not restorable
      expect((await releasesJson()).find(r => r.id === 2)).toMatchObject({ restorable: false, missing: [{ function: 'alpha', version: 2, reason: 'deleted' }] })
    })
  })

  describe('concurrency and switches under load', () => {
    const suite = useAgent({ provider: 'docker' }, () => createProject({ 'functions/hot/index.ts': greeter('hot-1'), 'functions/other/index.ts': greeter('other-1') }), async (suite) => {
      await deployOk(suite.agent, suite.project)
    })

    it('two deploys of one function at once are serialized: two new versions, one current', async () => {
      const a = createProject({ 'functions/hot/index.ts': greeter('hot-a') })
      const b = createProject({ 'functions/hot/index.ts': greeter('hot-b') })
      try {
        const [ra, rb] = await Promise.all([suite.agent.cli(['deploy'], { cwd: a.dir }), suite.agent.cli(['deploy'], { cwd: b.dir })])
        expect(ra.code, ra.output).toBe(0)
        expect(rb.code, rb.output).toBe(0)
        const info = JSON.parse((await suite.agent.cli(['versions', 'hot', '--json'])).stdout)
        expect(info.versions.map((v: { number: number }) => v.number)).toEqual([1, 2, 3])
        expect(info.versions.filter((v: { current: boolean }) => v.current)).toHaveLength(1)
        const servedBy3 = (await suite.agent.call('v3.hot')).json().text
        expect(await textOf(suite.agent, 'hot')).toBe(servedBy3)
      }
      finally {
        a.remove()
        b.remove()
      }
    })

    it('loses no request while a deploy and a rollback switch versions under steady load', async () => {
      let stop = false
      const seen = new Map<string, number>()
      const failures: string[] = []
      const worker = async () => {
        while (!stop) {
          try {
            const res = await request(suite.agent.port, '/', { host: `other.localhost:${suite.agent.port}` })
            if (res.status !== 200) failures.push(`${res.status} ${res.text}`)
            else seen.set(res.json().text, (seen.get(res.json().text) ?? 0) + 1)
          }
          catch (error) {
            failures.push(String(error))
          }
        }
      }
      const workers = Array.from({ length: 6 }, worker)
      await new Promise(r => setTimeout(r, 300))
      suite.project.write('functions/other/index.ts', greeter('other-2'))
      await deployOk(suite.agent, suite.project, ['--only', 'other'])
      await new Promise(r => setTimeout(r, 300))
      expect((await suite.agent.cli(['rollback', 'other'])).code).toBe(0)
      await new Promise(r => setTimeout(r, 300))
      stop = true
      await Promise.all(workers)
      expect(failures).toEqual([])
      expect(seen.get('other-1')).toBeGreaterThan(0)
      expect(seen.get('other-2')).toBeGreaterThan(0)
      expect(await textOf(suite.agent, 'other')).toBe('other-1')
    })
  })

  describe('kill -9 of the agent', () => {
    const suite = useAgent({ provider: 'docker' }, () => createProject({ 'functions/sturdy/index.ts': greeter('sturdy-1') }), async (suite) => {
      await deployOk(suite.agent, suite.project)
    })

    /** After a restart the store must be readable, the URL must serve what it says is current, and nothing may be orphaned. */
    async function expectConsistentAfterRestart(allowed: string[]) {
      suite.agent = await suite.agent.restart()
      const list = await suite.agent.cli(['list', '--json'])
      expect(list.code, list.output).toBe(0)
      const [sturdy] = JSON.parse(list.stdout)
      const served = await textOf(suite.agent, 'sturdy')
      expect(allowed).toContain(served)
      expect(await textOf(suite.agent, `v${sturdy.version}.sturdy`)).toBe(served)
      const versions = JSON.parse((await suite.agent.cli(['versions', 'sturdy', '--json'])).stdout).versions.map((v: { number: number }) => `v${v.number}`)
      // every image is a kept version; every container belongs to the new run
      expect(imagesOf(suite.agent, 'sturdy')).toEqual([...versions].sort())
      const containersNow = docker('ps', '-a', '--format', '{{.Label "mini-lambda.version"}}', '--filter', `label=mini-lambda.agent=${agentIdOf(suite.agent)}`)
      for (const version of containersNow) expect(versions).toContain(`v${version}`)
      return sturdy.version as number
    }

    it('during a deploy: the previous version serves after restart, with no orphans', async () => {
      for (const [i, delay] of [[2, 150], [3, 600]] as const) {
        suite.project.write('functions/sturdy/index.ts', greeter(`sturdy-${i}`))
        const before = await textOf(suite.agent, 'sturdy')
        const deploy = spawn(process.execPath, [cliPath, 'deploy'], { cwd: suite.project.dir, env: { ...process.env, ...suite.agent.env }, stdio: 'ignore' })
        await new Promise(r => setTimeout(r, delay))
        await suite.agent.process.stop('SIGKILL')
        await new Promise(resolve => deploy.once('exit', resolve))
        await expectConsistentAfterRestart([before, `sturdy-${i}`])
      }
      // and it deploys again
      suite.project.write('functions/sturdy/index.ts', greeter('sturdy-final'))
      await deployOk(suite.agent, suite.project)
      expect(await textOf(suite.agent, 'sturdy')).toBe('sturdy-final')
    })

    it('during a rollback: the restarted agent serves one whole version, the one it recorded', async () => {
      const before = await textOf(suite.agent, 'sturdy')
      const versions = JSON.parse((await suite.agent.cli(['versions', 'sturdy', '--json'])).stdout).versions
      const target = versions.at(-2)
      const targetText = (await suite.agent.call(`v${target.number}.sturdy`)).json().text
      const rollback = spawn(process.execPath, [cliPath, 'rollback', 'sturdy', String(target.number)], { env: { ...process.env, ...suite.agent.env }, stdio: 'ignore' })
      await new Promise(r => setTimeout(r, 120))
      await suite.agent.process.stop('SIGKILL')
      await new Promise(resolve => rollback.once('exit', resolve))
      await expectConsistentAfterRestart([before, targetText])
    })
  })
})
