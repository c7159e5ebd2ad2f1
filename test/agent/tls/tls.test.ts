import type { TLSSocket } from 'node:tls'
import type { AgentProcess } from '../../helpers/agent'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from '../../helpers/agent'
import { runCli } from '../../helpers/cli'
import { createProject } from '../../helpers/project'

/** 2026-01-01T00:00:00Z, in seconds. */
const FIXED_TIME = 1_767_225_600
const dir = mkdtempSync(join(tmpdir(), 'lambda-tls-'))

/** A self-signed certificate for 127.0.0.1 and *.localhost, made with openssl; returns its PEMs. */
function makeCertificate(name: string): { cert: string, key: string } {
  const cert = join(dir, `${name}.cert.pem`)
  const key = join(dir, `${name}.key.pem`)
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' })
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') }
}

interface HttpsAnswer {
  status: number
  body: string
  /** The CN of the certificate the server presented. */
  servedBy: string
}

/** An HTTPS request to 127.0.0.1 trusting exactly `ca`, on a new connection (so it sees the current certificate). */
function httpsGet(port: number, path: string, opts: { ca: string, host?: string }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca: opts.ca, servername: 'localhost', agent: false, headers: { host: opts.host ?? `127.0.0.1:${port}` } }, (res) => {
      const servedBy = String((res.socket as TLSSocket).getPeerCertificate().subject.CN)
      let body = ''
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode!, body, servedBy }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the agent over HTTPS (--tls-cert/--tls-key)', () => {
  const certFile = join(dir, 'served.cert.pem')
  const keyFile = join(dir, 'served.key.pem')
  const first = makeCertificate('first')
  const second = makeCertificate('second')
  const third = makeCertificate('third')
  const project = createProject({ 'functions/hello/index.ts': 'export default () => ({ hello: "over tls" })\n' })
  let agent: AgentProcess

  beforeAll(async () => {
    writeFileSync(certFile, first.cert)
    writeFileSync(keyFile, first.key)
    // Whole seconds, so the SIGHUP test can put exactly this time back.
    utimesSync(certFile, FIXED_TIME, FIXED_TIME)
    utimesSync(keyFile, FIXED_TIME, FIXED_TIME)
    agent = await startAgentProcess({ provider: 'process', extraArgs: ['--tls-cert', certFile, '--tls-key', keyFile] })
  })
  afterAll(async () => {
    await agent?.stop()
    agent?.cleanup()
    project.remove()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the admin API and the gateway over TLS, and says so', async () => {
    expect(agent.process.output()).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+/)
    const health = await httpsGet(agent.port, '/_lambda/health', { ca: first.cert })
    expect(health.status).toBe(200)
    expect(health.servedBy).toBe('first')
    expect(JSON.parse(health.body).agent).toBe('mini-lambda')

    const deploy = await runCli(['deploy'], { cwd: project.dir, env: { ...agent.env, LAMBDA_HOST: `https://localhost:${agent.port}`, NODE_EXTRA_CA_CERTS: certFile } })
    expect(deploy.code, deploy.output).toBe(0)
    // The URLs it prints are https ones.
    expect(deploy.output).toContain(`https://hello.localhost:${agent.port}/`)
    const hello = await httpsGet(agent.port, '/', { ca: first.cert, host: `hello.localhost:${agent.port}` })
    expect(hello.status).toBe(200)
    expect(JSON.parse(hello.body)).toEqual({ hello: 'over tls' })
  })

  it('plain http to the TLS port gets no answer from the API', async () => {
    const plain = await fetch(`http://127.0.0.1:${agent.port}/_lambda/health`).then(r => r.status, () => 'refused')
    expect(plain).not.toBe(200)
  })

  it('sIGHUP reloads the files: new connections get the new certificate, the agent keeps running', async () => {
    // Replaced in place with the old modification time: only the signal can make the agent notice.
    writeFileSync(certFile, second.cert)
    writeFileSync(keyFile, second.key)
    utimesSync(certFile, FIXED_TIME, FIXED_TIME)
    utimesSync(keyFile, FIXED_TIME, FIXED_TIME)
    expect(statSync(certFile).mtimeMs).toBe(FIXED_TIME * 1000)
    const from = agent.process.output().length
    agent.process.child.kill('SIGHUP')
    await agent.process.waitFor(/Reloaded the TLS certificate/, 30_000, from)
    const answer = await httpsGet(agent.port, '/_lambda/health', { ca: second.cert })
    expect(answer.servedBy).toBe('second')
    expect(agent.process.child.exitCode).toBeNull()
  })

  it('a renewed certificate (files replaced, as certbot does) is picked up without a signal', async () => {
    const from = agent.process.output().length
    writeFileSync(`${keyFile}.new`, third.key)
    writeFileSync(`${certFile}.new`, third.cert)
    renameSync(`${keyFile}.new`, keyFile)
    renameSync(`${certFile}.new`, certFile)
    await agent.process.waitFor(/Reloaded the TLS certificate/, 30_000, from)
    const answer = await httpsGet(agent.port, '/_lambda/health', { ca: third.cert })
    expect(answer.servedBy).toBe('third')
  })

  it('a certificate and key that do not match are refused with a warning; the current pair stays', async () => {
    const from = agent.process.output().length
    writeFileSync(certFile, first.cert)
    agent.process.child.kill('SIGHUP')
    await agent.process.waitFor(/cannot be used together.*Still serving the previous certificate/, 30_000, from)
    expect((await httpsGet(agent.port, '/_lambda/health', { ca: third.cert })).servedBy).toBe('third')
    // Put the matching certificate back, for anything that runs after.
    writeFileSync(certFile, third.cert)
  })
})

describe('bad TLS flags stop the agent before it starts', () => {
  it('a missing certificate file: exit 1 naming the file', async () => {
    const missing = join(tmpdir(), 'no-such-dir-4711', 'cert.pem')
    const dataDir = mkdtempSync(join(tmpdir(), 'lambda-tls-data-'))
    try {
      const result = await runCli(['agent', '--provider', 'process', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--tls-cert', missing, '--tls-key', missing])
      expect(result.code, result.output).toBe(1)
      expect(result.stderr).toContain(`Cannot read the TLS certificate ${missing}: no such file`)
    }
    finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('--tls-cert without --tls-key is a usage error (exit 2)', async () => {
    const result = await runCli(['agent', '--tls-cert', '/etc/ssl/cert.pem'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--tls-cert was given without --tls-key')
  })
})
