import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { printableLine } from '../../src/log/printable-line'
import { cliPath } from '../helpers/paths'
import { freePort } from '../helpers/ports'
import { until } from '../helpers/until'

// Under systemd, stdout and stderr are a stream to journald, named in JOURNAL_STREAM. The agent then
// writes each line with its priority (`<3>` err, `<4>` warning, `<6>` info), as text: journald keeps a
// line with control bytes as a blob, and takes the priority from the prefix (`journalctl -p warning`).
// Here a file stands for the stream: JOURNAL_STREAM names its device and inode, as systemd does.

const work = mkdtempSync(join(tmpdir(), 'lambda-journal-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function runTo(file: string, args: string[], env: Record<string, string>) {
  writeFileSync(file, '')
  const fd = openSync(file, 'a')
  const { dev, ino } = statSync(file)
  const child = spawn(process.execPath, [cliPath, ...args], {
    stdio: ['ignore', fd, fd],
    env: { PATH: process.env.PATH, HOME: work, JOURNAL_STREAM: `${dev}:${ino}`, ...env },
  })
  closeSync(fd)
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, exited, read: () => readFileSync(file, 'utf8') }
}

describe('the agent\'s output when systemd connects it to the journal', () => {
  it('gives every line a priority: info for its progress, err for a failure and its hint', async () => {
    const port = await freePort()
    const ok = runTo(join(work, 'ok.log'), ['agent', '--provider', 'process', '--port', String(port), '--host', '127.0.0.1', '--data-dir', join(work, 'data')], {})
    try {
      await until(() => ok.read().includes('Agent ready'), 'the agent to be ready', 60_000)
    }
    finally {
      ok.child.kill('SIGTERM')
      await ok.exited
    }
    const lines = ok.read().trimEnd().split('\n')
    expect(lines.filter(line => !/^<[0-7]>/.test(line)), ok.read()).toEqual([])
    expect(lines).toContain('<6>Agent ready')
    // The process provider isolates nothing: said as a warning.
    expect(lines.some(line => line.startsWith('<4>Warning: ')), ok.read()).toBe(true)

    const failed = runTo(join(work, 'failed.log'), ['agent', '--provider', 'docker', '--port', String(port), '--data-dir', join(work, 'data2')], { DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}` })
    expect(await failed.exited).toBe(1)
    const failure = failed.read().trimEnd().split('\n')
    expect(failure[0]).toMatch(/^<3>Error: The Docker daemon does not answer at /)
    expect(failure[1]).toMatch(/^<3> {2}Start it/)
  })

  it('writes plain lines when JOURNAL_STREAM names another stream (a shell started by the service)', async () => {
    const run = runTo(join(work, 'plain.log'), ['agent', '--provider', 'docker', '--port', String(await freePort()), '--data-dir', join(work, 'data3')], { DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}`, JOURNAL_STREAM: '1:1' })
    expect(await run.exited).toBe(1)
    expect(run.read()).toMatch(/^Error: The Docker daemon does not answer/)
  })
})

describe('printableLine: a line of someone else\'s output as text', () => {
  it('drops colours and terminal titles, keeps the last state of a progress line, spells out other control bytes', () => {
    expect(printableLine('\x1B[31mred\x1B[0m \x1B]0;title\x07done \x1B[?25lhidden cursor')).toBe('red done hidden cursor')
    expect(printableLine('10%\r50%\r100%')).toBe('100%')
    expect(printableLine('ends with a return\r')).toBe('ends with a return')
    expect(printableLine('nul\0bell\x07 del\x7F c1\x85 tab\tkept')).toBe('nul\\x00bell\\x07 del\\x7f c1\\x85 tab\tkept')
    expect(printableLine('half a pair: \uD83D!')).toBe('half a pair: \uFFFD!')
    expect(printableLine('ünïcödé ✓ 🚀')).toBe('ünïcödé ✓ 🚀')
  })
})
