import { relative } from 'node:path'
import { LambdaError } from '../../errors'

/** A discovered function folder whose name cannot be a function's name. */
export interface FolderIssue {
  /** Absolute path of the folder. */
  dir: string
  name: string
  problem: string
  fix: string
}

const label = (dir: string) => relative(process.cwd(), dir) || dir

/**
 * A discovered function is named after its folder, so a bad name is the folder's problem: the error
 * points at the folder, never at lambda.config.ts (which may not even exist).
 */
export function folderError(issues: FolderIssue[]): LambdaError {
  const lines = issues.map(i => `  - ${label(i.dir)}: the folder name '${i.name}' ${i.problem}. Fix: ${i.fix}.`)
  const where = issues.length === 1 ? `function folder ${label(issues[0]!.dir)}` : 'function folders'
  return new LambdaError({
    code: 'FUNCTION_FOLDER_INVALID',
    status: 400,
    message: `Invalid ${where}:\n${lines.join('\n')}`,
    hint: 'A folder in the functions folder that holds an index file or a Dockerfile is a function named after the folder. Rename it as listed, or start its name with _ if it holds shared code rather than a function.',
    data: { folders: issues.map(i => ({ path: label(i.dir), name: i.name, problem: i.problem, fix: i.fix })) },
  })
}
