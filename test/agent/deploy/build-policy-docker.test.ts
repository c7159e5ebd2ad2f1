import type { Server } from 'node:http'
import type { AgentProcess } from '../../helpers/agent'
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { describeDocker } from '../../helpers/docker'
import { freePort } from '../../helpers/ports'
import { createProject } from '../../helpers/project'
import { buildTar } from '../../helpers/tar'

// What a leaked deploy key would try: make the Docker daemon, which builds with the host's network,
// fetch from the host's loopback (the agent's own routes, any local service, a metadata endpoint).
// A server on 127.0.0.1 counts every request it gets: the daemon must never call it.

const ON_BASE = 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n'
const SERVE = 'export default () => ({ built: \'by the agent\' })\n'

const attacks: Array<[string, (port: number) => string]> = [
  ['a remote ADD', port => `${ON_BASE}ADD http://127.0.0.1:${port}/_lambda/tls-ask /x\n`],
  ['a remote ADD in JSON form', port => `${ON_BASE}ADD ["http://127.0.0.1:${port}/json", "/x"]\n`],
  ['a quoted, lower-case add', port => `${ON_BASE}add 'http://127.0.0.1:${port}/quoted' /x\n`],
  ['a URL split by quotes', port => `${ON_BASE}ADD h"tt"p://127.0.0.1:${port}/split /x\n`],
  ['a URL in a build argument', port => `ARG U=http://127.0.0.1:${port}/arg\n${ON_BASE}ARG U\nADD $U /x\n`],
  ['a URL across a line continuation under another escape character', port => `# escape=\`\n${ON_BASE}ADD \`\n  http://127.0.0.1:${port}/continued /x\n`],
  ['a FROM image the daemon would pull', port => `FROM 127.0.0.1:${port}/evil/base:latest\n`],
  ['a FROM image in a build argument', port => `ARG IMG=127.0.0.1:${port}/evil/arg\nFROM \${IMG}\n`],
  ['a COPY --from image the daemon would pull', port => `${ON_BASE}COPY --from=127.0.0.1:${port}/evil/img:1 /a /b\n`],
  ['an ONBUILD trigger', port => `${ON_BASE}ONBUILD ADD http://127.0.0.1:${port}/onbuild /x\n`],
  // Found by a red team: a general-purpose parser read these differently from Docker's classic builder.
  ['an ADD hidden in what another reader takes for a heredoc', port => `${ON_BASE}RUN true <<"#X"\nADD http://127.0.0.1:${port}/heredoc /x\n#X\n`],
  ['an ADD after a lone carriage return', port => `${ON_BASE}LABEL a=b \\\r\r\nADD http://127.0.0.1:${port}/cr /x\n`],
  ['an ADD in JSON form with something after the array', port => `${ON_BASE}ADD ["http:\\u002f\\u002f127.0.0.1:${port}/json-junk","/x"] junk\n`],
  ['a quoted FROM image', port => `FROM "127.0.0.1:${port}/evil/quoted"\n`],
]

describeDocker('image builds of uploaded code reach nothing outside', () => {
  const hits: string[] = []
  let server: Server
  let port = 0
  beforeAll(async () => {
    port = await freePort()
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`)
      res.end('nothing here')
    })
    await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  })
  afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

  const suite = useAgent({ provider: 'docker' }, () => createProject({ 'functions/hello/index.ts': SERVE }))

  async function deployDockerfile(agent: AgentProcess, name: string, dockerfile: string, files: Record<string, string> = {}) {
    suite.project.write(`functions/${name}/Dockerfile`, dockerfile)
    for (const [path, content] of Object.entries(files)) suite.project.write(`functions/${name}/${path}`, content)
    const deploy = await agent.cli(['deploy', '--only', name, '--json'], { cwd: suite.project.dir })
    return { code: deploy.code, outcome: JSON.parse(deploy.stdout).error?.deploy?.functions?.[0] ?? JSON.parse(deploy.stdout).functions?.[0], output: deploy.output }
  }

  it.each(attacks)('%s is refused with 400 before the build, and the daemon calls nothing', async (_what, dockerfile) => {
    const name = `attack-${attacks.findIndex(([what]) => what === _what)}`
    const { code, outcome, output } = await deployDockerfile(suite.agent, name, dockerfile(port))
    expect(code, output).toBe(1)
    expect(outcome.error).toMatchObject({ code: 'DOCKERFILE_REFUSED' })
    expect(outcome.error.message).toMatch(/line \d+: /)
    expect(outcome.error.hint).toContain('--build-network bridge')
    expect(hits).toEqual([])
    expect((await suite.agent.admin(`/functions/${name}/versions`)).status).toBe(404)
  })

  it('the same upload sent straight to the API is a 400 too', async () => {
    const manifest = { name: 'raw', kind: 'dockerfile', hash: 'e'.repeat(64), config: { timeout: 30 } }
    const res = await suite.agent.admin('/functions/raw', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      body: buildTar([{ path: '.mini-lambda.json', body: JSON.stringify(manifest) }, { path: 'Dockerfile', body: `${ON_BASE}ADD http://127.0.0.1:${port}/raw /x\n` }]),
    })
    expect(res.status).toBe(400)
    expect(res.json().error.code).toBe('DOCKERFILE_REFUSED')
    expect(hits).toEqual([])
  })

  it('an image that is not on the machine, or that is another function\'s, is refused by name', async () => {
    expect((await suite.agent.cli(['deploy', '--only', 'hello'], { cwd: suite.project.dir })).code).toBe(0)
    const helloImage = (await suite.agent.admin('/functions/hello/versions')).json().versions[0].image
    const missing = await deployDockerfile(suite.agent, 'from-nowhere', 'FROM registry.invalid/nothing:1\n')
    expect(missing.outcome.error.message).toContain('"registry.invalid/nothing:1" is not an image loaded on the agent\'s machine')
    const borrowed = await deployDockerfile(suite.agent, 'borrower', `FROM ${helloImage}\n`)
    expect(borrowed.outcome.error.message).toContain('is the image of another function')
    // The layers of any build on the machine answer to their id or a prefix of it; only names are taken.
    const helloId = execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', helloImage], { encoding: 'utf8' }).trim().replace('sha256:', '')
    for (const ref of [helloId.slice(0, 3), helloId.slice(0, 12), `sha256:${helloId}`]) {
      const byId = await deployDockerfile(suite.agent, 'by-id', `${ON_BASE}COPY --from=${ref} /var/task/index.mjs /var/task/loot.mjs\n`)
      expect(byId.outcome.error.message).toContain('is not an image loaded on the agent\'s machine under that name')
    }
  })

  it('rUN steps see no network interface but lo, and a Dockerfile on the base still builds and serves', async () => {
    const dockerfile = `${ON_BASE}RUN test "$(ls /sys/class/net | tr '\\n' ' ')" = "lo " || { echo "interfaces: $(ls /sys/class/net)" >&2; exit 7; }\nCOPY index.mjs /var/task/index.mjs\n`
    const { code, output } = await deployDockerfile(suite.agent, 'offline', dockerfile, { 'index.mjs': SERVE })
    expect(code, output).toBe(0)
    expect((await suite.agent.call('offline')).json()).toEqual({ built: 'by the agent' })
  })

  it('a kind: node upload is built from its bundle with the agent\'s Dockerfile, whatever Dockerfile it carries', async () => {
    const manifest = { name: 'sneaky', kind: 'node', hash: 'f'.repeat(64), config: { timeout: 30 } }
    const res = await suite.agent.admin('/functions/sneaky', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      body: buildTar([
        { path: '.mini-lambda.json', body: JSON.stringify(manifest) },
        { path: 'index.mjs', body: SERVE },
        { path: 'Dockerfile', body: `${ON_BASE}ADD http://127.0.0.1:${port}/node-kind /x\nRUN exit 3\n` },
      ]),
    })
    expect(res.status, res.text).toBe(200)
    expect(res.json()).toMatchObject({ status: 'built', version: 1 })
    expect((await suite.agent.call('sneaky')).json()).toEqual({ built: 'by the agent' })
    expect(hits).toEqual([])
  })

  it('a kind: node upload without its bundle is a 400, not a failed start', async () => {
    const manifest = { name: 'empty', kind: 'node', hash: 'd'.repeat(64), config: { timeout: 30 } }
    const res = await suite.agent.admin('/functions/empty', { method: 'PUT', headers: { 'content-type': 'application/x-tar' }, body: buildTar([{ path: '.mini-lambda.json', body: JSON.stringify(manifest) }]) })
    expect(res.status).toBe(400)
    expect(res.json().error.message).toContain('index.mjs or index.cjs')
  })

  it('the counting server does count (so the zeros above mean something)', async () => {
    await fetch(`http://127.0.0.1:${port}/control`)
    expect(hits).toEqual(['GET /control'])
  })
})

describeDocker('an admin may give builds a network on purpose', () => {
  const suite = useAgent({ provider: 'docker', extraArgs: ['--build-network', 'bridge'] }, () => createProject({}))

  it('with --build-network bridge, RUN steps have an interface besides lo', async () => {
    suite.project.write('functions/online/Dockerfile', `${ON_BASE}RUN test -e /sys/class/net/eth0\nCOPY index.mjs /var/task/index.mjs\n`)
    suite.project.write('functions/online/index.mjs', SERVE)
    const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
  })
})

describe('the agent\'s build network flag', () => {
  it('takes none or bridge only', async () => {
    const { runCli } = await import('../../helpers/cli')
    const bad = await runCli(['agent', '--build-network', 'host'])
    expect(bad.code).toBe(2)
    expect(bad.output).toContain('--build-network')
  })
})
