import type { TempProject } from '../helpers/project'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { useAgent } from '../helpers/agent'
import { runCli } from '../helpers/cli'
import { startDev } from '../helpers/dev'
import { describeDocker } from '../helpers/docker'
import { createProject } from '../helpers/project'

// Existing AWS Lambda code, as it runs there today: CommonJS, never touched for Mini Lambda.
const LEGACY_FILES = {
  // The nearest package.json has no "type": a .js file is CommonJS, as in any Lambda deployment package.
  'package.json': '{ "name": "legacy-app", "private": true }\n',
  // index.cjs, async, relying on everything CommonJS gives a module, sloppy mode included.
  'functions/legacy/index.cjs': [
    'const path = require(\'path\')',
    'const { greeting } = require(\'./greeting.json\')',
    'const topLevelThis = this',
    '// No declaration: an implicit global, which only sloppy (non-strict) code allows.',
    'invocations = 0',
    'exports.handler = async (event, context) => {',
    '  invocations++',
    '  return {',
    '    statusCode: 200,',
    '    headers: { \'content-type\': \'application/json\' },',
    '    body: JSON.stringify({',
    '      greeting, path: event.rawPath, fn: context.functionName, requestId: context.awsRequestId, invocations,',
    '      dirname: __dirname, filename: path.basename(__filename), main: require.main === module, thisIsExports: topLevelThis === module.exports,',
    '    }),',
    '  }',
    '}',
    '',
  ].join('\n'),
  'functions/legacy/greeting.json': '{ "greeting": "hello from JSON" }\n',
  // index.js, callback style, Node 8-era.
  'functions/callback/index.js': [
    'exports.handler = function (event, context, callback) {',
    '  if (event.rawPath === \'/fail\') return callback(new Error(\'failed through the callback\'))',
    '  setTimeout(() => callback(null, { statusCode: 201, body: \'called back for \' + event.queryStringParameters.name }), 5)',
    '}',
    '',
  ].join('\n'),
  // index.js, module.exports replaced by an object.
  'functions/exported/index.js': 'async function handler(event) {\n  return { replaced: true, method: event.requestContext.http.method }\n}\nmodule.exports = { handler }\n',
  // A web-standard function as TypeScript compiles `export default` to CommonJS.
  'functions/compiled/index.js': '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.default = async (request) => ({ compiled: new URL(request.url).pathname });\n',
}

const projects: TempProject[] = []
afterEach(() => {
  for (const p of projects.splice(0)) p.remove()
})
const legacyProject = () => {
  const p = createProject(LEGACY_FILES)
  projects.push(p)
  return p
}

describe('commonJS Lambda code runs unmodified', () => {
  it('in lambda dev: index.cjs and index.js, async and callback style, exports.handler and module.exports', async () => {
    const p = legacyProject()
    const dev = await startDev(p.dir)
    try {
      const first = await dev.call('legacy', '/orders/7')
      expect(first.status, first.text).toBe(200)
      expect(first.json()).toMatchObject({
        greeting: 'hello from JSON',
        path: '/orders/7',
        fn: 'legacy',
        requestId: first.headers['x-request-id'],
        invocations: 1,
        filename: 'index.cjs',
        main: false,
        thisIsExports: true,
      })
      // The module is loaded once and keeps its state between invocations, as on Lambda.
      expect((await dev.call('legacy', '/')).json().invocations).toBe(2)

      const called = await dev.call('callback', '/?name=ada')
      expect(called.status).toBe(201)
      expect(called.text).toBe('called back for ada')
      const failed = await dev.call('callback', '/fail')
      expect(failed.status).toBe(500)
      expect(failed.json().error.message).toContain('failed through the callback')

      expect((await dev.call('exported', '/', { method: 'PUT', body: 'x' })).json()).toEqual({ replaced: true, method: 'PUT' })
      expect((await dev.call('compiled', '/from-ts')).json()).toEqual({ compiled: '/from-ts' })

      // Converting a function to ES module syntax while dev runs serves the new code too.
      const from = dev.process.output().length
      p.write('functions/exported/index.js', 'export const handler = async () => ({ converted: true })\n')
      await dev.process.waitFor(/\[exported\] built/, 30_000, from)
      expect((await dev.call('exported', '/')).json()).toEqual({ converted: true })
    }
    finally {
      await dev.stop()
    }
  })

  it('lambda build keeps the entry\'s format: a CommonJS bundle for CommonJS code, an ES module for the lambda template', async () => {
    const p = legacyProject()
    expect((await runCli(['new', 'modern', '--template', 'lambda'], { cwd: p.dir })).code).toBe(0)
    const build = await runCli(['build'], { cwd: p.dir })
    expect(build.code, build.output).toBe(0)
    for (const name of ['legacy', 'callback', 'exported', 'compiled']) {
      const out = join(p.dir, '.lambda/build', name)
      expect(existsSync(join(out, 'index.cjs')), name).toBe(true)
      expect(existsSync(join(out, 'index.mjs')), name).toBe(false)
      expect(readFileSync(join(out, 'index.cjs'), 'utf8')).toContain('sourceMappingURL=index.cjs.map')
      expect(existsSync(join(out, 'index.cjs.map')), name).toBe(true)
    }
    expect(build.output).toContain('.lambda/build/legacy/index.cjs')
    // The template stays TypeScript with ES module syntax.
    expect(readFileSync(join(p.dir, 'functions/modern/index.ts'), 'utf8')).toContain('export const handler')
    expect(existsSync(join(p.dir, '.lambda/build/modern/index.mjs'))).toBe(true)
    expect(existsSync(join(p.dir, '.lambda/build/modern/index.cjs'))).toBe(false)
  })

  it('says how to fix CommonJS in a .js file that package.json makes an ES module', async () => {
    const p = createProject({
      'package.json': '{ "name": "esm-app", "type": "module" }\n',
      'functions/legacy/index.js': 'exports.handler = async () => ({ statusCode: 200 })\n',
    })
    projects.push(p)
    const build = await runCli(['build'], { cwd: p.dir })
    expect(build.code).toBe(1)
    expect(build.output).toContain('functions/legacy/index.js is CommonJS, but the nearest package.json says "type": "module"')
    expect(build.output).toContain('Rename it to functions/legacy/index.cjs')
  })
})

describe('commonJS Lambda code deployed (process provider)', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject(LEGACY_FILES))

  it('deploys and serves exports.handler, callback style and module.exports', async () => {
    const deploy = await suite.agent.cli(['deploy'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    const legacy = await suite.agent.call('legacy', '/orders/7')
    expect(legacy.status, legacy.text).toBe(200)
    expect(legacy.json()).toMatchObject({ greeting: 'hello from JSON', path: '/orders/7', fn: 'legacy', invocations: 1, filename: 'index.cjs', main: false, thisIsExports: true })
    const called = await suite.agent.call('callback', '/?name=grace')
    expect(called.status).toBe(201)
    expect(called.text).toBe('called back for grace')
    expect((await suite.agent.call('exported', '/')).json()).toEqual({ replaced: true, method: 'GET' })
  })
})

describeDocker('CommonJS Lambda code deployed (docker provider)', () => {
  const suite = useAgent({ provider: 'docker' }, () => createProject(LEGACY_FILES))

  it('runs from /var/task like on Lambda, in sloppy mode, with its JSON bundled', async () => {
    const deploy = await suite.agent.cli(['deploy', '--only', 'legacy'], { cwd: suite.project.dir })
    expect(deploy.code, deploy.output).toBe(0)
    const res = await suite.agent.call('legacy', '/in-a-container')
    expect(res.status, res.text).toBe(200)
    expect(res.json()).toMatchObject({ greeting: 'hello from JSON', path: '/in-a-container', fn: 'legacy', invocations: 1, dirname: '/var/task', filename: 'index.cjs', main: false, thisIsExports: true })
  })
})
