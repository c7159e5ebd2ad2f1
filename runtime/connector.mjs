#!/usr/bin/env node
// The entrypoint of custom images built on the base image: runs the image's own command, whose server
// listens on $LAMBDA_SOCKET inside the container, and bridges it to the agent's link (runtime/link.mjs).
// The server needs to know nothing about the link; the agent never connects to anything it made.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { connect } from 'node:net'
import { constants } from 'node:os'
import { dirname } from 'node:path'
import { helloLine, sendStartupError } from './link.mjs'

const READY_TIMEOUT_MS = 25_000
const SPARE_CONNECTIONS = 2
const agentSocket = process.env.LAMBDA_AGENT_SOCKET ?? ''
const serverSocket = process.env.LAMBDA_SOCKET ?? ''
const concurrency = Number(process.env.LAMBDA_CONCURRENCY) || 50
const [command = '', ...args] = process.argv.slice(2)

/**
 * @param {string} message
 * @param {number} code
 * @returns {Promise<never>}
 */
async function fail(message, code) {
  console.error(`[connector] ${message}`)
  await sendStartupError(agentSocket, { message })
  process.exit(code)
}

if (!agentSocket || !serverSocket || !command) await fail('needs LAMBDA_AGENT_SOCKET, LAMBDA_SOCKET and a command to run', 64)

mkdirSync(dirname(serverSocket), { recursive: true })
const env = { ...process.env }
delete env.LAMBDA_AGENT_SOCKET
const child = spawn(command, args, { stdio: 'inherit', env })
let ready = false
child.on('error', error => fail(`could not run ${[command, ...args].join(' ')}: ${error.message}`, 127))
child.on('exit', async (code, signal) => {
  if (!ready) await fail(`${command} exited (${signal ?? `code ${code}`}) before it listened on ${serverSocket}`, code ?? 1)
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0))
})
for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) process.on(signal, () => child.kill(signal))

function canConnect() {
  return new Promise((resolve) => {
    const probe = connect(serverSocket)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}

const deadline = Date.now() + READY_TIMEOUT_MS
while (!(await canConnect())) {
  if (Date.now() > deadline) {
    child.kill('SIGKILL')
    await fail(`${command} did not listen on ${serverSocket} ($LAMBDA_SOCKET) within ${READY_TIMEOUT_MS / 1000} s`, 1)
  }
  await new Promise(resolve => setTimeout(resolve, 10))
}
ready = true

// Connections to the agent, each bridged to a fresh connection to the server once the agent uses it.
let connected = 0
let unused = 0
let dialing = 0
const topUp = () => {
  while (unused + dialing < SPARE_CONNECTIONS && connected + dialing < concurrency + SPARE_CONNECTIONS) dial()
}

function dial() {
  dialing++
  let state = 'dialing'
  const link = connect(agentSocket)
  link.on('error', () => {})
  link.once('connect', () => {
    dialing--
    connected++
    unused++
    state = 'unused'
    link.write(helloLine('http'))
    topUp()
  })
  link.once('data', (first) => {
    unused--
    state = 'bridged'
    topUp()
    link.pause()
    const server = connect(serverSocket)
    server.on('error', () => link.destroy())
    server.once('connect', () => {
      server.write(first)
      link.pipe(server)
      server.pipe(link)
    })
    server.once('close', () => link.destroy())
    link.once('close', () => server.destroy())
  })
  link.once('close', () => {
    if (state === 'dialing') dialing--
    else connected--
    if (state === 'unused') unused--
    setTimeout(topUp, state === 'dialing' ? 50 : 0).unref()
  })
}

topUp()
