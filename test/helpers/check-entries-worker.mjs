// Runs the upload checker on `workerData.entries` in a worker thread, so a test can stop a checker
// that never finishes (a quadratic one on a huge input) instead of hanging with it.
import { parentPort, workerData } from 'node:worker_threads'
import { createJiti } from 'jiti'

const jiti = createJiti(import.meta.url)
const { checkEntries } = await jiti.import('../../src/agent/upload/check-entries.ts')

const meter = { steps: 0 }
const started = performance.now()
let outcome
try {
  outcome = { files: checkEntries(workerData.entries, meter).length }
}
catch (error) {
  outcome = { code: error.code, reason: error.data?.reason, message: String(error.message).slice(0, 400) }
}
parentPort.postMessage({ ...outcome, steps: meter.steps, ms: Math.round(performance.now() - started) })
