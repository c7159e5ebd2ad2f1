import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { MAX_SECRET_VALUE_BYTES } from '../config/secret'
import { LambdaError } from '../errors'

/** Piped input: everything on stdin, minus one trailing newline (what `echo` and editors add). */
async function readPiped(name: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length
    // Enough to see it is too large (a final newline is allowed); no need to hold the rest.
    if (size > MAX_SECRET_VALUE_BYTES + 2) {
      throw new LambdaError({ code: 'INVALID_SECRET_VALUE', status: 400, message: `Secret "${name}" was not stored: stdin holds more than ${MAX_SECRET_VALUE_BYTES} bytes (32 KB), the largest value allowed.`, hint: 'Store large material elsewhere and keep only a key or token in the secret.' })
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

/** A prompt whose answer is not echoed: readline writes through an output muted after the question. */
function promptHidden(question: string): Promise<string> {
  let muted = false
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  return new Promise((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close()
      process.stderr.write('\n')
      reject(new LambdaError({ code: 'CANCELLED', status: 400, message: 'Cancelled: no secret was stored.' }))
    })
    rl.question(question, (answer) => {
      rl.close()
      process.stderr.write('\n')
      resolve(answer)
    })
    muted = true
  })
}

/** The value for `lambda secrets set`: from stdin when it is piped, else from a prompt that does not echo. */
export function readSecretValue(name: string): Promise<string> {
  if (!process.stdin.isTTY) return readPiped(name)
  return promptHidden(`Value of secret "${name}" (input hidden): `)
}
