import { Agent, request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { useAgent } from '../../helpers/agent'
import { createProject } from '../../helpers/project'

/** One refused admin call on a kept-alive connection; its duration in µs. */
function timedRefusal(port: number, agent: Agent, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const req = request({ host: '127.0.0.1', port, path: '/_lambda/functions', agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode !== 401) reject(new Error(`expected 401, got ${res.statusCode}`))
        resolve(Number(process.hrtime.bigint() - started) / 1000)
      })
    })
    req.on('error', reject)
    req.end()
  })
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

describe('a refused key takes as long whether its id exists or not', () => {
  const suite = useAgent({ provider: 'process' }, () => createProject({}))

  it('unknown ids and known ids with a wrong secret are answered alike (medians of interleaved samples)', async () => {
    const wrongSecret = `${suite.agent.key.slice(0, 13)}${'A'.repeat(43)}`
    const unknownId = `mlk_zz99zz99_${'A'.repeat(43)}`
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const known: number[] = []
    const unknown: number[] = []
    try {
      // Warm-up: the first calls pay for module loading and the file cache.
      for (let i = 0; i < 50; i++) await timedRefusal(suite.agent.port, agent, i % 2 ? wrongSecret : unknownId)
      for (let i = 0; i < 400; i++) {
        known.push(await timedRefusal(suite.agent.port, agent, wrongSecret))
        unknown.push(await timedRefusal(suite.agent.port, agent, unknownId))
      }
    }
    finally {
      agent.destroy()
    }
    const ratio = median(unknown) / median(known)
    console.log(`refused key, median µs: unknown id ${median(unknown).toFixed(0)}, known id ${median(known).toFixed(0)}; ratio ${ratio.toFixed(2)}`)
    // Before the decoy record the ratio was about 0.6: an unknown id read no record at all.
    expect(ratio).toBeGreaterThan(0.8)
    expect(ratio).toBeLessThan(1.25)
  })
})
