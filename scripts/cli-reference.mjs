// `npm run docs:cli`: writes docs/cli-reference.md from the command definitions (src/cli/main.ts and the
// commands it loads). `--check` writes nothing and exits 1 when the committed file is out of date
// (test/cli/cli-reference.test.ts does the same in the test suite).
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createJiti } from 'jiti'

const jiti = createJiti(import.meta.url)
const { main } = await jiti.import('../src/cli/main.ts')
const { renderCliReference } = await jiti.import('../src/cli/reference/render-reference.ts')
const target = fileURLToPath(new URL('../docs/cli-reference.md', import.meta.url))
const text = await renderCliReference(main)

if (process.argv.includes('--check')) {
  let committed = ''
  try {
    committed = readFileSync(target, 'utf8')
  }
  catch {}
  if (committed !== text) {
    console.error('docs/cli-reference.md is out of date: run `npm run docs:cli` and commit it.')
    process.exit(1)
  }
  console.log('docs/cli-reference.md is up to date.')
}
else {
  writeFileSync(target, text)
  console.log('Wrote docs/cli-reference.md')
}
