import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Tests drive the built CLI (bin/lambda.mjs → dist/); `npm test` builds first. */
export default function setup() {
  const cli = fileURLToPath(new URL('../../dist/cli/index.mjs', import.meta.url))
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm test does it for you).')
}
