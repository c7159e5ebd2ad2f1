import type { DevHandle } from '../helpers/dev'
import type { TempProject } from '../helpers/project'
import { afterEach, describe, expect, it } from 'vitest'
import { startDev } from '../helpers/dev'
import { createProject } from '../helpers/project'

const handler = (marker: string) => `export default () => ({ token: process.env.TOKEN ?? null, marker: '${marker}' })\n`
const project = () => createProject({
  'lambda.config.ts': 'import { defineConfig, secret } from \'mini-lambda\'\nexport default defineConfig({ functions: { show: { env: { TOKEN: secret(\'stripe-token\') } } } })\n',
  'functions/show/index.ts': handler('one'),
})

let dev: DevHandle | undefined
let p: TempProject | undefined
afterEach(async () => {
  await dev?.stop()
  p?.remove()
  dev = p = undefined
})

const WARNING = 'TOKEN refers to secret "stripe-token"'

describe('lambda dev and secret()', () => {
  it('takes the value from the variable of the same name in its own environment, without a warning', async () => {
    p = project()
    dev = await startDev(p.dir, [], { TOKEN: 'from-the-shell' })
    expect((await dev.call('show')).json()).toEqual({ token: 'from-the-shell', marker: 'one' })
    expect(dev.process.output()).not.toContain(WARNING)
  })

  it('leaves the variable unset when the environment lacks it, and warns once, naming the variable, the secret and the fix', async () => {
    p = project()
    dev = await startDev(p.dir, [], { TOKEN: undefined })
    expect((await dev.call('show')).json()).toEqual({ token: null, marker: 'one' })
    // A rebuild starts new instances: still one warning for the session.
    p.write('functions/show/index.ts', handler('two'))
    await dev.process.waitFor(/show.*built/, 30_000, dev.process.output().length)
    expect((await dev.call('show')).json()).toEqual({ token: null, marker: 'two' })
    const output = dev.process.output()
    expect(output.split(WARNING)).toHaveLength(2)
    expect(output).toContain('TOKEN=… lambda dev')
    expect(output).toContain('lambda secrets set stripe-token')
  })
})
